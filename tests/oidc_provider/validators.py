from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailValidator(OAuth2Validator):
    """Puts the person's e-mail (and name) in the ID token and the userinfo answer."""

    oidc_claim_scope = None

    def get_additional_claims(self, request):
        return {"email": request.user.email, "name": request.user.get_full_name() or request.user.username}

from oauth2_provider.oauth2_validators import OAuth2Validator

#: Provider accounts whose e-mail the provider has not verified (typed in, never confirmed).
UNVERIFIED_EMAIL = {"chua.xac.minh"}


class EmailValidator(OAuth2Validator):
    """Puts the person's e-mail, whether the provider verified it, and name in the ID token and the userinfo
    answer."""

    oidc_claim_scope = None

    def get_additional_claims(self, request):
        return {"email": request.user.email, "email_verified": request.user.username not in UNVERIFIED_EMAIL,
                "name": request.user.get_full_name() or request.user.username}

"""Login with the province's single sign-on (OpenID Connect, mozilla-django-oidc), when configured.

A province account is mapped to the personal account with the same e-mail; no account is created from
SSO (who may do what is decided here, by roles), and an unknown or inactive person is refused."""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class ProvinceOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def verify_claims(self, claims):
        return bool(claims.get("email")) and super().verify_claims(claims)

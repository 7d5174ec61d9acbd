"""Login with the province's single sign-on (OpenID Connect, mozilla-django-oidc), when configured.

A province account is mapped to the personal account with the same e-mail; no account is created from
SSO (who may do what is decided here, by roles), and an unknown or inactive person is refused. The e-mail
counts only when the provider says it verified it (``email_verified``): an address typed into a provider
account and never confirmed would otherwise open the account of whoever owns it (issue 15.8)."""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

#: Where a refused SSO login lands, by reason; the login page says each in Vietnamese.
FAILURE_URLS = {"email_unverified": "/dang-nhap/?sso=chua-xac-minh"}


def email_verified(claims) -> bool:
    """``email_verified`` as the provider sent it: a JSON true, or the string "true" some providers send."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class ProvinceOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email or not email_verified(claims):
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def verify_claims(self, claims):
        if claims.get("email") and not email_verified(claims):
            if getattr(self, "request", None) is not None:
                self.request.oidc_refusal = "email_unverified"
            return False
        return bool(claims.get("email")) and super().verify_claims(claims)


class ProvinceOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The library's callback, sending a refused login to the page that says why."""

    @property
    def failure_url(self):
        return FAILURE_URLS.get(getattr(self.request, "oidc_refusal", ""), super().failure_url)

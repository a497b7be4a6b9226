from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, on a site whose login shares the API login's brute-force defence."""

    default_site = "accounts.browser.admin_site.AdminSite"

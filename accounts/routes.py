"""API routes that feature apps add to the accounts namespace under /api/.

A feature names its URL module from its AppConfig.ready() (`add("accounts.mfa.urls")`);
accounts/urls.py imports each when the URL configuration loads, so the core never
imports a feature.
"""

_modules: list[str] = []


def add(module: str) -> None:
    """Include `module`'s urlpatterns in the accounts namespace (once)."""
    if module not in _modules:
        _modules.append(module)


def modules() -> list[str]:
    return list(_modules)

"""The login refusals people now hit, in plain words with the fix (pull and doctor share them).

Each row: what the refusal carries (error code, then a piece of its message, case-insensitive)
and the sentence for a person. The facts are dated in docs/live.md with their sources.
"""

from __future__ import annotations

from sfqb_diag.config import SalesforceConfig

# (error code or None for any, message fragment or "" for any, explanation)
_SALESFORCE: tuple[tuple[str | None, str, str], ...] = (
    (
        "INVALID_OPERATION",
        "soap login",
        "Salesforce no longer offers the SOAP login() call at API version {version} (it is "
        "unavailable from 65.0, disabled by default in new orgs, and retires for every version in "
        "Summer '27): switch salesforce.auth to jwt or client_credentials with an External Client App",
    ),
    (
        "INVALID_OPERATION",
        "soap api login() is disabled",
        "this org has SOAP API login() turned off (the default for new orgs; it retires for every "
        "API version in Summer '27): switch salesforce.auth to jwt or client_credentials",
    ),
    (
        "UNSUPPORTED_API_VERSION",
        "",
        "Salesforce refused API version {version}: it is retired (21.0-30.0 since Summer '25; "
        '31.0-40.0 retire in Summer \'28): set salesforce.api_version: "62.0" or later',
    ),
    (
        None,
        "uninstalled connected app",
        "the org blocks apps an admin has not installed (enforced since September 2025): an admin "
        "installs the app under Setup > Connected Apps OAuth Usage (or creates an External Client "
        "App) and lets the integration user use it, or gives that user the permission "
        "'Approve Uninstalled Connected Apps'",
    ),
    (
        None,
        "app must be installed into org",
        "the org blocks apps an admin has not installed (enforced since September 2025): an admin "
        "installs the app under Setup > Connected Apps OAuth Usage, or creates an External Client App",
    ),
    (
        "invalid_grant",
        "expired access/refresh token",
        "Salesforce no longer accepts the stored refresh token: the app's refresh-token policy "
        "(for example 'expire after N days' set by an admin) or a revoked user session ended it; "
        "run `sfqb-diag connect salesforce --config FILE` again",
    ),
    (
        "invalid_grant",
        "user hasn't approved this consumer",
        "the JWT bearer login needs the integration user pre-authorised on the app: set Permitted "
        "Users to 'Admin approved users are pre-authorized' and add the user's profile or "
        "permission set to the app",
    ),
    (
        "invalid_grant",
        "no client credentials user enabled",
        "the app has no run-as user for the client credentials flow: an admin sets one under the "
        "External Client App's OAuth policies",
    ),
    (
        "invalid_grant",
        "authentication failure",
        "Salesforce refused the login: for a password login the OAuth username-password flow may "
        "be blocked (the default for orgs created since Summer '23; it stops working on 20 February 2027), "
        "otherwise check the user, the app's key and its certificate",
    ),
    (
        "invalid_client_id",
        "",
        "Salesforce does not know the app's consumer key: check the variable named by "
        "salesforce.consumer_key_env, and that the app belongs to this org (sandbox or production)",
    ),
    (
        "invalid_client",
        "",
        "Salesforce refused the app's consumer key or secret: check the variables named by "
        "salesforce.consumer_key_env and salesforce.consumer_secret_env",
    ),
)


def explain(code: object, message: str | None, version: str = "") -> str | None:
    """The plain-words sentence for a refusal, or None when it is not one we know."""
    code_text, text = str(code or ""), (message or "").lower()
    for want_code, fragment, words in _SALESFORCE:
        if want_code is not None and want_code.lower() != code_text.lower():
            continue
        if fragment and fragment not in text:
            continue
        return words.format(version=version or "this version")
    return None


def login_refusal(cfg: SalesforceConfig, code: object, message: str | None) -> str:
    """The sentence `pull` and `doctor` show when Salesforce refuses the login."""
    known = explain(code, message, str(cfg.api_version))
    if known:
        return f"Salesforce refused the login ({code}): {known}"
    if cfg.auth == "password":
        where = f"{cfg.username_env}/{cfg.password_env}/{cfg.token_env}"
    else:
        where = f"the variables named under salesforce: for auth: {cfg.auth}"
    return (
        f"Salesforce refused the login ({code}: {message}): check {where}; a sandbox needs "
        "salesforce.domain: test (or <mydomain>--<sandbox>.sandbox.my)"
    )

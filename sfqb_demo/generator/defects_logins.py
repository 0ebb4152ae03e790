"""auth_env from the org's LoginHistory (salesforce/LoginHistory.csv): the integration user
still logs in with SOAP login() at API 38.0 (a nightly job) among its OAuth logins — with
look-alikes that must not fire: the same user's OAuth logins ("Remote Access 2.0"), a person's
browser logins (LoginType "Application", no API) and a person's failed SOAP login from Data
Loader (a failed login shows no integration logging in)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sfqb_demo.generator import timefmt as tf
from sfqb_demo.generator.sfids import IdFactory
from sfqb_demo.generator.world import AS_OF_TS, DAY, HOUR, World

AREA = "auth_env"
SOAP_VERSION = "38.0"  # 31.0-40.0: deprecated from Summer '27, retired with Summer '28
APP = "QuickBooks Sync"
DAYS = 30


def inject(w: World) -> None:
    # Its own generator: the logins leave every other record (and Id counter) of the demo as is.
    rng = np.random.default_rng(w.seed + 103)
    ids = IdFactory(rng)
    integration, person = ids.make("User", 2)
    day0 = AS_OF_TS - DAYS * DAY + 2 * HOUR
    nightly = day0 + np.arange(DAYS) * DAY + rng.integers(0, 600, DAYS)
    oauth = nightly[: DAYS // 2] + 6 * HOUR  # the connector's newer job, already on OAuth
    browser = day0 + np.arange(0, DAYS, 3) * DAY + 9 * HOUR + rng.integers(0, 3 * HOUR, DAYS // 3)
    failed = np.array([day0 + 11 * DAY + 14 * HOUR])
    blocks = [
        _rows(nightly, integration, "Other Apex API", "SOAP Partner", SOAP_VERSION, APP, "Success"),
        _rows(oauth, integration, "Remote Access 2.0", "", "", APP, "Success"),
        _rows(browser, person, "Application", "N/A", "", "Browser", "Success"),
        _rows(
            failed,
            person,
            "Other Apex API",
            "SOAP Partner",
            "59.0",
            "DataLoaderPartnerUI/",
            "Invalid Password",
        ),
    ]
    frame = pd.concat(blocks, ignore_index=True).sort_values("LoginTime", kind="stable")
    frame.insert(0, "Id", ids.make("LoginHistory", len(frame)))
    frame["LoginTime"] = tf.sf_ts(frame["LoginTime"].to_numpy())
    frame["LoginUrl"] = "login.salesforce.com"
    w.extra["login_history"] = frame.reset_index(drop=True)
    w.extra["integration_user"] = str(integration)
    w.truth.defect(AREA, "soap_login_in_use", "medium", n=1)
    for kind in ("oauth_login_of_integration", "browser_login", "failed_soap_login"):
        w.truth.lookalike(AREA, kind, n=1)


def _rows(
    ts: np.ndarray, user: str, login_type: str, api: str, version: str, app: str, status: str
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "UserId": user,
            "LoginTime": np.asarray(ts, dtype=np.int64),
            "LoginType": login_type,
            "ApiType": api,
            "ApiVersion": version,
            "Application": app,
            "Status": status,
        },
        index=range(len(ts)),
    )

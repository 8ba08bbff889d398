"""Team mode on PostgreSQL: connection messages that never show a password, and reps who see only their own
customers (row-level security). The tests that need a server run with ``--engine postgresql`` and are skipped,
with the reason, where none is reachable; the suite as a whole runs on both engines in CI."""

from __future__ import annotations

import uuid

import pytest

from conftest import PG_ADMIN_URL, PgLedger, pg_dsn, rows

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"postgresql+psycopg://wang:{SECRET}@127.0.0.1:1/ar", "cannot reach the ledger database at 127.0.0.1:1:"),
        (f"postgresql+psycopg://wang:{SECRET}@local:host:x/ar", "the database URL cannot be parsed"),
        (f"postgresql+psycopg://wang:{SECRET}@no-such-host.invalid/ar", "cannot reach the ledger database at no-such"),
        (f"mysql://wang:{SECRET}@db/ar", "its driver MySQLdb is not installed"),
    ],
)
def test_a_server_that_cannot_be_used_is_one_line_without_the_password(ar, monkeypatch, url, says):
    monkeypatch.delenv("AR_DB", raising=False)
    monkeypatch.setenv("AR_DATABASE_URL", url)
    monkeypatch.setenv("AR_DEBUG", "")
    for args in (["balance"], ["customer", "add", "A"], ["--database-url", url, "due"]):
        r = ar(*args)
        assert r.code == 1, r
        assert says in r.err and r.err.count("\n") == 1, r.err
        assert SECRET not in r.err + r.out


@pytest.mark.postgresql_only
def test_a_wrong_password_is_refused_without_echoing_it(ar, monkeypatch):
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL).set(password=SECRET).render_as_string(hide_password=False)
    monkeypatch.delenv("AR_DB", raising=False)
    monkeypatch.setenv("AR_DATABASE_URL", url)
    r = ar("balance")
    assert r.code == 1 and "cannot reach the ledger database at" in r.err and "password authentication failed" in r.err
    assert SECRET not in r.err
    monkeypatch.setenv("AR_DEBUG", "1")  # even the debugging path keeps it out of the message
    r = ar("balance")
    assert SECRET not in r.err


@pytest.mark.postgresql_only
def test_the_server_refuses_to_change_posted_rows(ok, db):
    import psycopg

    ok("customer", "add", "A", "--terms", "cod")
    ok("delivery", "add", "A", "100", "--ref", "D1")
    ok("payment", "add", "A", "40", "--ref", "P1")
    for table in ("entry", "item", "allocation"):
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
            with (
                pytest.raises(psycopg.errors.RaiseException, match="posted rows are never changed"),
                psycopg.connect(pg_dsn(db.url)) as conn,
            ):
                conn.execute(sql)
    assert ok("check").out.startswith("ok: ")


@pytest.fixture
def two_reps(db: PgLedger, ok):
    """Two database logins, rep_a… and rep_b…, each the rep of one customer; the administrator sees both."""
    import psycopg
    from sqlalchemy.engine import make_url

    suffix = uuid.uuid4().hex[:8]
    reps = {"a": f"rep_a_{suffix}", "b": f"rep_b_{suffix}"}
    with psycopg.connect(pg_dsn(db.url), autocommit=True) as conn:
        for role in reps.values():
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{SECRET}'")
            conn.execute(f"GRANT CONNECT ON DATABASE {db.name} TO {role}")
            conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
            conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    ok("customer", "add", "Alpha Trading", "--terms", "net 30", "--rep", reps["a"])
    ok("customer", "add", "Beta Pharma", "--terms", "net 30", "--rep", reps["b"])
    ok("delivery", "add", "Alpha Trading", "1,000", "--ref", "DA", "--date", "2026-10-01")
    ok("delivery", "add", "Beta Pharma", "2,000", "--ref", "DB", "--date", "2026-10-01")
    ok("payment", "add", "Beta Pharma", "500", "--ref", "PB")
    urls = {
        k: make_url(db.url).set(username=role, password=SECRET).render_as_string(hide_password=False)
        for k, role in reps.items()
    }
    yield reps, urls
    with psycopg.connect(pg_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        for role in reps.values():
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgresql_only
def test_reps_see_and_change_only_their_own_customers(ar, ok, db, two_reps, monkeypatch):
    import psycopg

    reps, urls = two_reps
    r = ar("config", "set", "team.own_customers_only", "on")
    assert r.code == 0, r.err

    def as_rep(key: str, *args: str):
        monkeypatch.setenv("AR_DATABASE_URL", urls[key])
        monkeypatch.setenv("AR_REP", reps[key])
        try:
            return ar(*args)
        finally:
            monkeypatch.setenv("AR_DATABASE_URL", db.url)
            monkeypatch.delenv("AR_REP")

    seen = as_rep("a", "balance", "--all", "-f", "json").json()
    assert [row["customer"] for row in seen["rows"]] == ["Alpha Trading"]
    assert seen["totals"]["open"] == "1000.00"
    seen = as_rep("b", "balance", "--all", "-f", "json").json()
    assert [row["customer"] for row in seen["rows"]] == ["Beta Pharma"] and seen["totals"]["open"] == "1500.00"
    # the other rep's customer does not exist for them: not shown, not paid, not delivered to, not edited
    for args in (
        ("customer", "show", "Beta Pharma"),
        ("payment", "add", "Beta Pharma", "10", "--ref", "SNEAK"),
        ("delivery", "add", "Beta Pharma", "10", "--ref", "SNEAK"),
        ("customer", "edit", "Beta Pharma", "--note", "mine now"),
        ("ledger", "Beta Pharma"),
    ):
        r = as_rep("a", *args)
        assert r.code == 1 and "no customer" in r.err, (args, r.err)
    assert as_rep("a", "void", "payment", "PB", "--reason", "x").code == 1
    # their own work goes through, and the ledger stays whole
    r = as_rep("a", "payment", "add", "Alpha Trading", "300", "--ref", "PA")
    assert r.code == 0, r.err
    assert as_rep("a", "check").out.startswith("ok: ")
    # raw SQL as rep a cannot reach rep b's rows either
    with psycopg.connect(pg_dsn(urls["a"]), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM entry").fetchone()[0] == 2  # DA and PA
        assert conn.execute("UPDATE customer SET note = 'x' WHERE name = 'Beta Pharma'").rowcount == 0
        beta = rows(db, "select id from customer where name = 'Beta Pharma'")[0][0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO promise (customer_id, amount, by_date, grace_days, made_on, created_at) "
                "VALUES (%s, 100, DATE '2026-12-01', 0, DATE '2026-11-23', now())",
                (beta,),
            )
    # the administrator (the tables' owner) sees everything, including what rep a recorded
    everything = ok("balance", "--all", "-f", "json").json()
    assert sorted(row["customer"] for row in everything["rows"]) == ["Alpha Trading", "Beta Pharma"]
    assert rows(db, "select actor from entry where ref = 'PA'") == [(reps["a"],)]
    # switched off, the reps see the whole ledger again
    ok("config", "set", "team.own_customers_only", "off")
    seen = as_rep("a", "balance", "--all", "-f", "json").json()
    assert len(seen["rows"]) == 2


def test_row_security_needs_a_server(ar, engine):
    if engine == "postgresql":
        pytest.skip("on PostgreSQL the setting works (test_reps_see_and_change_only_their_own_customers)")
    r = ar("config", "set", "team.own_customers_only", "on")
    assert r.code == 1 and "needs a PostgreSQL ledger" in r.err

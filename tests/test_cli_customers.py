from conftest import dump, rows


def test_add_list_show_edit_with_chinese_names(ok, ar, db):
    r = ok(
        "customer",
        "add",
        "鸿达医药代理",
        "--code",
        "HONGDA",
        "--terms",
        "COD",
        "--credit-limit",
        "20万",
        "--rep",
        "王磊",
        "--phone",
        "138",
    )
    assert "Added customer 鸿达医药代理 (HONGDA), terms cod" in r.out
    ok("customer", "add", "Greenfield Pharmacy", "--terms", "net30")
    listed = ok("customer", "list", "--format", "json").json()
    assert [c["name"] for c in listed] == ["Greenfield Pharmacy", "鸿达医药代理"]
    assert listed[1] == {
        "name": "鸿达医药代理",
        "code": "HONGDA",
        "terms": "cod",
        "credit_limit": "200000.00",
        "rep": "王磊",
        "phone": "138",
    }
    assert listed[0]["terms"] == "net 30"
    # look-up by code, and case-insensitively
    shown = ok("customer", "show", "hongda", "--format", "json").json()
    assert shown["name"] == "鸿达医药代理" and shown["open"] == "0.00" and shown["open_items"] == []
    r = ok("customer", "edit", "HONGDA", "--terms", "net 15", "--phone", "139")
    assert "terms" in r.out and "phone" in r.out
    assert rows(db, "select terms, phone from customer where code='HONGDA'") == [("net 15", "139")]
    table = ok("customer", "list").out
    assert "鸿达医药代理" in table and "200,000.00" in table


def test_near_miss_suggests(ok, ar):
    ok("customer", "add", "Greenfield Pharmacy")
    r = ar("customer", "show", "Greenfeld Pharmacy")
    assert r.code == 1
    assert r.err == "error: no customer 'Greenfeld Pharmacy'; did you mean 'Greenfield Pharmacy'?\n"
    r = ar("customer", "show", "Zzz")
    assert r.code == 1 and "see `ar customer list`" in r.err
    # a name's beginning, or a word of it, is suggested (never taken: money goes to the name given in full)
    ok("customer", "add", "Acme Trading", "--code", "ACT")
    ok("customer", "add", "North Acme Supplies")
    r = ar("payment", "add", "acme", "100")
    assert r.code == 1
    assert r.err == "error: no customer 'acme'; did you mean 'Acme Trading' or 'North Acme Supplies'?\n"
    r = ar("customer", "show", "pharm")
    assert r.err == "error: no customer 'pharm'; did you mean 'Greenfield Pharmacy'?\n"


def test_duplicates_and_bad_input_write_nothing(ok, ar, db):
    ok("customer", "add", "A Co", "--code", "A")
    before = dump(db)
    for args, code in [
        (("customer", "add", "A Co"), 1),
        (("customer", "add", "B Co", "--code", "A"), 1),
        (("customer", "add", "B Co", "--terms", "net thirty"), 2),
        (("customer", "add", "B Co", "--credit-limit", "lots"), 2),
        (("customer", "add", "   "), 2),
        (("customer", "edit", "A Co"), 2),
        (("customer", "edit", "Nobody", "--phone", "1"), 1),
        (("customer", "edit", "A Co", "--terms", "soon"), 2),
    ]:
        r = ar(*args)
        assert r.code == code, (args, r.err)
        assert r.err.count("\n") == 1 and r.err.startswith("error: "), r.err
        assert "Traceback" not in r.err
        assert dump(db) == before, args


def test_rename_keeps_history(ok, db):
    ok("customer", "add", "Old Name", "--terms", "cod")
    ok("delivery", "add", "Old Name", "100")
    ok("customer", "edit", "Old Name", "--name", "New Name")
    assert ok("balance", "--format", "json").json()["rows"][0]["customer"] == "New Name"

"""Drives a running wangge server's Open311 GeoReport v2 API with independent clients.

Reads through PyPI's `georeport` client (JSON and XML); posts with `requests` (georeport does not
post); checks the specification's error shapes and XML with the standard library's parser; checks
that nothing personal ever comes back. Usage:

    check.py --base http://127.0.0.1:PORT/open311/v2 --key API_KEY --lat LAT --long LONG

Exits non-zero on the first failed check, printing what was expected.
"""

import argparse
import sys
import xml.etree.ElementTree as ET

import requests
from georeport import GeoReport

PHONE = "13912345678"
FIRST, LAST = "小明", "王"
EMAIL = "wang.xm@example.com"

failures = 0


def check(cond, what):
    global failures
    if cond:
        print(f"  ok   {what}")
    else:
        failures += 1
        print(f"  FAIL {what}")


def xml_root(resp):
    check(resp.headers.get("content-type", "").startswith("text/xml"), f"{resp.url} is text/xml")
    check(resp.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), f"{resp.url} has the XML declaration")
    return ET.fromstring(resp.content)


def json_error(resp, status):
    check(resp.status_code == status, f"{resp.request.method} {resp.url} answers {status} (got {resp.status_code})")
    body = resp.json()
    check(
        isinstance(body, list) and body and body[0].get("code") == status and body[0].get("description"),
        f"errors body [{{code: {status}, description}}]: {body}",
    )


def xml_error(resp, status):
    check(resp.status_code == status, f"{resp.request.method} {resp.url} answers {status} (got {resp.status_code})")
    root = xml_root(resp)
    err = root.find("error")
    check(
        root.tag == "errors" and err is not None and err.findtext("code") == str(status) and err.findtext("description"),
        "errors body <errors><error><code/><description/></error></errors>",
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--lat", required=True)
    ap.add_argument("--long", required=True)
    a = ap.parse_args()
    base = a.base.rstrip("/")

    print("discovery")
    d = requests.get(f"{base}/discovery.json").json()
    ep = d["endpoints"][0]
    check(ep["specification"] == "http://wiki.open311.org/GeoReport_v2", "discovery names the specification")
    check(ep["url"].endswith("/open311/v2"), "discovery gives the endpoint URL")
    root = xml_root(requests.get(f"{base}/discovery.xml"))
    check(root.tag == "discovery" and root.find("endpoints/endpoint/specification") is not None, "discovery.xml")

    print("services through georeport (JSON and XML)")
    jc = GeoReport(base, jurisdiction="demo", api_key=a.key, output_format="json")
    xc = GeoReport(base, jurisdiction="demo", api_key=a.key, output_format="xml")
    js = jc.get_service_list()
    xs = xc.get_service_list()
    check(len(js) > 10 and len(js) == len(xs), f"{len(js)} services in JSON, {len(xs)} in XML")
    codes = [s["service_code"] for s in js]
    check(codes == [s["service_code"] for s in xs], "the same service codes in both formats")
    check(all(isinstance(c, str) for c in codes), "service codes are strings")
    sr01 = next(s for s in js if s["service_code"] == "SR01")
    check(sr01["type"] == "realtime" and sr01["metadata"] is True and sr01["group"], f"SR01: {sr01}")
    jd = jc.get_service_definition("SR01")
    xd = xc.get_service_definition("SR01")
    urg = next(x for x in jd["attributes"] if x["code"] == "urgency")
    check(urg["datatype"] == "singlevaluelist" and [v["key"] for v in urg["values"]] == ["normal", "urgent", "emergency"], "urgency attribute")
    xattrs = xd["attributes"]["attribute"]
    check(any(x["code"] == "urgency" for x in xattrs), "service definition in XML")
    json_error(requests.get(f"{base}/services/NOPE.json"), 404)
    xml_error(requests.get(f"{base}/services/NOPE.xml"), 404)
    check(requests.get(f"{base}/services.html").status_code == 404, "an unknown format is a 404")

    print("posting (form-encoded, requests)")
    good = {
        "api_key": a.key,
        "jurisdiction_id": "demo",
        "service_code": "SR01",
        "lat": a.lat,
        "long": a.long,
        "address_string": "conformance street 1",
        "description": "路边有暴露垃圾 <很多> & 异味",
        "first_name": FIRST,
        "last_name": LAST,
        "phone": PHONE,
        "email": EMAIL,
        "attribute[urgency]": "urgent",
    }
    no_key = {k: v for k, v in good.items() if k != "api_key"}
    json_error(requests.post(f"{base}/requests.json", data=no_key), 403)
    xml_error(requests.post(f"{base}/requests.xml", data=no_key), 403)
    json_error(requests.post(f"{base}/requests.json", data={**good, "api_key": "wrong"}), 403)
    json_error(requests.post(f"{base}/requests.json", data={k: v for k, v in good.items() if k != "service_code"}), 400)
    json_error(requests.post(f"{base}/requests.json", data={**good, "service_code": "NOPE"}), 400)
    json_error(requests.post(f"{base}/requests.json", data={**good, "lat": "north"}), 400)
    json_error(requests.post(f"{base}/requests.json", data={**good, "lat": "0", "long": "0"}), 400)
    before = len(jc.get_service_requests())
    r = requests.post(f"{base}/requests.json", data=good)
    check(r.status_code == 200, f"POST requests.json answers 200 (got {r.status_code}: {r.text[:200]})")
    created = r.json()
    check(isinstance(created, list) and len(created) == 1 and created[0]["service_request_id"], f"one created request: {created}")
    rid = created[0]["service_request_id"]
    rx = requests.post(f"{base}/requests.xml", data={**good, "attribute[urgency]": "normal"})
    check(rx.status_code == 200, "POST requests.xml answers 200")
    root = xml_root(rx)
    check(root.tag == "service_requests" and root.findtext("request/service_request_id"), "XML answer <service_requests><request>")
    rid2 = root.findtext("request/service_request_id")
    dup = {**good, "attribute[submission_key]": "conformance-1"}
    d1 = requests.post(f"{base}/requests.json", data=dup).json()
    d2 = requests.post(f"{base}/requests.json", data=dup).json()
    check(d1[0]["service_request_id"] == d2[0]["service_request_id"], "a repeated submission key creates one request")

    print("reading back through georeport")
    after = jc.get_service_requests()
    # The list answers one page (100 unless page_size says otherwise), newest first: the three
    # new requests head it.
    newest = {x["service_request_id"] for x in after[:3]}
    check(newest == {rid, rid2, d1[0]["service_request_id"]}, f"the three new requests head the list: {newest}")
    check(len(after) <= 100 and len(after) >= min(before + 3, 100), f"one page of at most 100 ({before} -> {len(after)})")
    one = jc.get_service_request(rid)
    check(one["service_request_id"] == rid and one["status"] == "open", f"request {rid} is open")
    check(one["service_code"] == "SR01" and one["description"] == good["description"], "its code and description")
    check(str(one["expected_datetime"]).endswith("+08:00"), f"expected_datetime from the deadline: {one['expected_datetime']}")
    check(one["requested_datetime"] < one["expected_datetime"], "expected after requested")
    xone = xc.get_service_request(rid2)
    check(xone["service_request_id"] == rid2 and xone["status"] == "open", "a request in XML")
    listed = jc.get_service_requests(service_request_id=f"{rid},{rid2}")
    check(sorted(x["service_request_id"] for x in listed) == sorted([rid, rid2]), "service_request_id takes a list")
    check(all(x["service_code"] == "SR01" for x in jc.get_service_requests(service_code="SR01")), "filter by service_code")
    check(all(x["status"] == "open" for x in jc.get_service_requests(status="open")), "filter by status")
    check(jc.get_service_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z") == [], "a window in the past is empty")
    json_error(requests.get(f"{base}/requests.json", params={"start_date": "soon"}), 400)
    json_error(requests.get(f"{base}/requests/SJ20200101-000001.json"), 404)
    xml_error(requests.get(f"{base}/requests/SJ20200101-000001.xml"), 404)
    ext = requests.get(f"{base}/requests/{rid}.json", params={"extensions": "true"}).json()
    hist = ext[0]["extended_attributes"]["history"]
    check(hist and hist[0]["label"] == "report", f"extensions=true adds the public history: {hist}")

    print("nothing personal comes back")
    for url in [f"{base}/requests.json?extensions=true", f"{base}/requests.xml?extensions=true",
                f"{base}/requests/{rid}.json?extensions=true", f"{base}/requests/{rid}.xml?extensions=true"]:
        body = requests.get(url).text
        leaks = [s for s in (PHONE, FIRST, EMAIL) if s in body]
        check(not leaks, f"{url} shows no reporter data {leaks}")
        if ".xml" in url:
            ET.fromstring(body.encode())

    print("FAILED" if failures else "all Open311 checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

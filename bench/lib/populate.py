"""Adds 30 published programmes with 3 upcoming sessions each (capacity 20, 2 childcare places)
to a demo server, as the programme staff whose bearer token is given:

    python3 bench/lib/populate.py URL TOKEN
"""
import datetime, json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def call(query, variables):
    request = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(),
                                     {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    body = json.load(urllib.request.urlopen(request))
    if body.get("errors"):
        sys.exit("bench: " + json.dumps(body["errors"], ensure_ascii=False))
    return body["data"]
now = datetime.datetime.now(datetime.timezone.utc)
for k in range(30):
    created = call("mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id } userErrors { message } } }",
                   {"i": {"kind": "EDUCATION_WORKSHOP", "title": f"自然体験ワークショップ 第{k + 1}回",
                          "summary": "海と森の体験学習", "description": "真鶴半島の自然を歩き、観察し、記録します。" * 5,
                          "categories": ["NATURE"], "maxPartySize": 6, "publish": True}})["createProgram"]
    assert not created["userErrors"], created
    for s in range(3):
        starts = now + datetime.timedelta(days=7 + 7 * s, hours=k)
        made = call("mutation($i: CreateProgramSessionsInput!) { createProgramSessions(input: $i) { userErrors { message } } }",
                    {"i": {"programId": created["program"]["id"], "startsAt": starts.isoformat(),
                           "endsAt": (starts + datetime.timedelta(hours=2)).isoformat(),
                           "venue": "真鶴町 お林展望公園", "capacity": 20, "childcareSlots": 2}})["createProgramSessions"]
        assert not made["userErrors"], made

#!/usr/bin/env python3
# Capture real ovsdb-server answers for the fuzz-ovsdb seed corpus: start
# a private ovsdb-server on a fresh Open_vSwitch database, send what the
# fuzz target's client sends (a call, a transact of two operations, the
# cur_cfg monitor) and save everything the server sent back, behind the
# target's mode byte. Usage: capture/ovsdb.py OUTDIR
import json, os, shutil, socket, subprocess, sys, tempfile, time

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
out = sys.argv[1]
d = tempfile.mkdtemp()
db, sock = d + "/conf.db", d + "/db.sock"
subprocess.check_call(["ovsdb-tool", "create", db, SCHEMA])
srv = subprocess.Popen(["ovsdb-server", "--remote=punix:" + sock,
                        "--no-chdir", "--unixctl=" + d + "/ctl",
                        "--log-file=" + d + "/log", db])
try:
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)

    def conn():
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sock)
        c.settimeout(0.5)
        return c

    def recv_all(c, quiet=0.3):
        c.settimeout(quiet)
        data = b""
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
        except socket.timeout:
            pass
        return data

    def exchange(name, mode, method, params, after=None):
        c = conn()
        c.sendall(json.dumps({"method": method, "params": params,
                              "id": 1}).encode())
        if after:
            time.sleep(0.2)
            after()
        data = recv_all(c)
        c.close()
        open(os.path.join(out, name), "wb").write(mode + data)

    def transact(ops):
        c = conn()
        c.sendall(json.dumps({"method": "transact", "id": 99,
                              "params": ["Open_vSwitch"] + ops}).encode())
        recv_all(c, 0.2)
        c.close()

    wait_ok = {"op": "wait", "table": "Port", "where": [],
               "columns": ["name"], "until": "==", "rows": [],
               "timeout": 0}
    wait_bad = dict(wait_ok, rows=[{"name": "x"}])
    port = {"op": "insert", "table": "Port", "row": {"name": "vif1.0"}}
    ovs = {"op": "insert", "table": "Open_vSwitch", "row": {}}
    nope = {"op": "insert", "table": "Nope", "row": {}}

    exchange("call-list-dbs", b"c", "list_dbs", [])
    exchange("call-unknown-method", b"c", "no_such_method", [])
    exchange("call-transact-unknown-db", b"c", "transact", ["Nope"])
    exchange("transact-commit-fails", b"t", "transact",
             ["Open_vSwitch", wait_ok, port])
    exchange("transact-wait-timed-out", b"t", "transact",
             ["Open_vSwitch", wait_bad, port])
    exchange("transact-unknown-table", b"t", "transact",
             ["Open_vSwitch", wait_ok, nope])
    exchange("transact-ok", b"t", "transact", ["Open_vSwitch", wait_ok, ovs])
    mon = ["Open_vSwitch", "xhp-cfg-1",
           {"Open_vSwitch": {"columns": ["cur_cfg"]}}]

    def bump():
        transact([{"op": "update", "table": "Open_vSwitch", "where": [],
                   "row": {"cur_cfg": 3}}])
        transact([{"op": "update", "table": "Open_vSwitch", "where": [],
                   "row": {"cur_cfg": 5}}])
    exchange("wait-cur-cfg", b"w", "monitor", mon, bump)
    exchange("wait-cur-cfg-initial", b"w", "monitor", mon)
finally:
    srv.terminate()
    srv.wait()
    shutil.rmtree(d)

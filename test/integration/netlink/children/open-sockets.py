"""Opens the sockets a sock_diag integration test describes, prints `ready <pid>...`, then
sleeps until killed. argv[1] is JSON: {"udp": [...], "tcp": [...], "count": N, "countBase": P,
"fork": bool, "churn": bool}. A socket entry is {"family": 4|6, "addr": str, "port": int,
"connect": [addr, port]?, "v6only": bool?, "dev": str?, "uid": int?, "listen": bool?}; a TCP
entry with "pair": true is a listener, a client connected to it, and the accepted socket.
"""
import json
import os
import socket
import sys
import time

spec = json.loads(sys.argv[1])
keep = []


def open_socket(kind, e):
    fam = socket.AF_INET if e["family"] == 4 else socket.AF_INET6
    if "uid" in e:
        os.seteuid(e["uid"])  # a socket remembers its creator's uid
    s = socket.socket(fam, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    if "uid" in e:
        os.seteuid(0)
    if "v6only" in e:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if e["v6only"] else 0)
    if "dev" in e:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, e["dev"].encode())
    s.bind((e["addr"], e["port"]))
    if e.get("listen") or e.get("pair"):
        s.listen(16)
    if "connect" in e:
        s.connect(tuple(e["connect"]))
        if kind == "udp":
            s.send(b"q" * 10)
    keep.append(s)
    if e.get("pair"):
        client = socket.create_connection((e["addr"], e["port"]))
        server, _ = s.accept()
        client.send(b"x" * 100)  # unread: Recv-Q on the accepted socket
        keep.extend([client, server])
    return s


for e in spec.get("udp", []):
    open_socket("udp", e)
for e in spec.get("tcp", []):
    open_socket("tcp", e)

for i in range(spec.get("count", 0)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", spec.get("countBase", 20000) + i))
    keep.append(s)

pids = [os.getpid()]
if spec.get("fork"):
    pid = os.fork()
    if pid == 0:  # the child holds the same fds; it just sleeps
        time.sleep(3600)
        os._exit(0)
    pids.append(pid)

print("ready " + " ".join(map(str, pids)), flush=True)

if spec.get("churn"):
    # Short-lived processes holding sockets: owner scans must step over their vanishing.
    while True:
        pid = os.fork()
        if pid == 0:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            time.sleep(0.002)
            os._exit(0)
        os.waitpid(pid, 0)
time.sleep(3600)

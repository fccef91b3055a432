"""Fires READS concurrent GETs of a user through provisio, spread over the
connections named, and prints the statuses as JSON ({"503": 180, ...}).
Usage: reads.py BASE_URL API_KEY READS CONNECTION..."""
import collections, json, sys, threading, urllib.error, urllib.request

base, key, reads, connections = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
statuses = collections.Counter()
lock, start = threading.Lock(), threading.Barrier(reads)


def read(i):
    url = f"{base}/v1/connections/{connections[i % len(connections)]}/users/u{i}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    start.wait()
    try:
        status = urllib.request.urlopen(request, timeout=120).status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception as e:  # a reset or a timeout: say so rather than crash
        status = type(e).__name__
    with lock:
        statuses[str(status)] += 1


threads = [threading.Thread(target=read, args=(i,)) for i in range(reads)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(dict(sorted(statuses.items()))))

# Opens COUNT connections to HOST PORT (an echo service) and holds them all open at once, then sends each its own
# payload, half-closes, and checks the echo. Prints "opened N", "verified N" and the failures, if any.
import asyncio, resource, sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))

async def main():
    conns = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(count)), return_exceptions=True)
    opened = [c for c in conns if not isinstance(c, BaseException)]
    print("opened", len(opened), flush=True)
    for c in conns:
        if isinstance(c, BaseException):
            print("connect failed:", repr(c))

    async def one(i, reader, writer):
        payload = (("%06d:" % i) * 700).encode()
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        echo = await reader.read()
        writer.close()
        return echo == payload

    results = await asyncio.wait_for(asyncio.gather(*(one(i, r, w) for i, (r, w) in enumerate(opened)), return_exceptions=True), 120)
    bad = [r for r in results if r is not True]
    print("verified", len(results) - len(bad), flush=True)
    for r in bad[:5]:
        print("bad:", repr(r))

asyncio.run(main())

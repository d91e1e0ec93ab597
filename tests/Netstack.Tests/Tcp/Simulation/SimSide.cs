using System.Net.Sockets;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Tcp.Simulation;

/// <summary>
/// One side's application, run synchronously on the test thread through the endpoint's
/// non-blocking calls: writes its seeded bytes in random chunks, reads and checks the peer's bytes
/// against the peer's source as they arrive, half-closes, closes or aborts as its spec says.
/// </summary>
internal sealed class SimSide(string name, SideSpec spec, byte[] source, byte[] expected, Random rng)
{
    private readonly byte[] _buffer = new byte[65536];
    private const int MaxPauses = 20;

    private int _stateBits;
    private int _pauses;

    public string Name => name;

    public SideSpec Spec => spec;

    public TcpEndpoint? Endpoint { get; set; }

    public int Written { get; private set; }

    public int Read { get; private set; }

    public bool Eof { get; private set; }

    public bool ShutdownDone { get; private set; }

    /// <summary>The application closed (Close or Abort) or gave up on an error: it calls nothing more.</summary>
    public bool AppDone { get; private set; }

    public bool Aborted { get; private set; }

    /// <summary>The first error a call reported (Success if none).</summary>
    public SocketError SeenError { get; private set; }

    /// <summary>When a read pause ends (virtual time).</summary>
    public TimeSpan ReadResumeAt { get; private set; }

    public bool Saw(TcpConnectionState state) => (_stateBits & (1 << (int)state)) != 0;

    public void Observe()
    {
        if (Endpoint is not null)
        {
            _stateBits |= 1 << (int)Endpoint.State;
        }
    }

    /// <summary>Does what the application can do now; returns whether anything happened.</summary>
    /// <remarks>
    /// Every early end of a step (abort, close, an error) marks the application done and counts as progress,
    /// so each phase below stops the step when <see cref="AppDone"/> turns true. The phases draw from
    /// <c>rng</c> in the order the simulation's determinism depends on: write chunks, read chunks, read pause.
    /// </remarks>
    public bool Step(TimeSpan now)
    {
        if (Endpoint is not { } ep || AppDone)
        {
            return false;
        }
        Observe();
        if (spec.AbortAfterRead >= 0 && Read >= spec.AbortAfterRead && Written >= spec.AbortAfterWrite)
        {
            AbortConnection(ep);
            return true;
        }
        bool progress = false;
        if (Written < spec.WriteTotal && (!spec.WriteAfterEof || Eof))
        {
            progress |= WriteAvailable(ep);
            if (AppDone)
            {
                return true;
            }
        }
        if (Written == spec.WriteTotal && !ShutdownDone && (spec.ShutdownAfterWrites || Eof) && spec.AbortAfterRead < 0)
        {
            progress = true;
            ShutdownOrCloseEarly(ep);
            if (AppDone)
            {
                return true;
            }
        }
        if (!Eof && now >= ReadResumeAt)
        {
            progress |= ReadAvailable(ep);
            if (AppDone)
            {
                return true;
            }
            MaybePauseReading(now);
        }
        if (ShutdownDone && Eof && !AppDone)
        {
            ep.Close();
            AppDone = true;
            progress = true;
        }
        Observe();
        return progress;
    }

    private void AbortConnection(TcpEndpoint ep)
    {
        if (spec.AbortByCloseWithUnread && ep.Available > 0)
        {
            ep.Close(); // unread data turns Close into an abort
        }
        else
        {
            ep.Abort();
        }
        Aborted = true;
        AppDone = true;
        Observe();
    }

    /// <summary>Sends random-sized chunks until the send buffer is full or all is written; returns whether anything happened.</summary>
    private bool WriteAvailable(TcpEndpoint ep)
    {
        bool progress = false;
        while (Written < spec.WriteTotal)
        {
            int chunk = Math.Min(spec.WriteTotal - Written, rng.Next(1, spec.MaxWriteChunk + 1));
            int n = ep.Send(source.AsSpan(Written, chunk), false, out SocketError error);
            if (error != SocketError.Success)
            {
                return Fail(error);
            }
            if (n == 0)
            {
                break;
            }
            Written += n;
            progress = true;
        }
        return progress;
    }

    private void ShutdownOrCloseEarly(TcpEndpoint ep)
    {
        ShutdownDone = true;
        if (spec.CloseEarly)
        {
            ep.Close();
            AppDone = true;
            Observe();
            return;
        }
        ep.Shutdown();
    }

    /// <summary>Receives random-sized chunks until nothing is left, checking each against the peer's source; returns whether anything happened.</summary>
    private bool ReadAvailable(TcpEndpoint ep)
    {
        bool progress = false;
        while (true)
        {
            int chunk = rng.Next(1, spec.MaxReadChunk + 1);
            int r = ep.Receive(_buffer.AsSpan(0, chunk), false, out bool eof, out SocketError error);
            if (r > 0)
            {
                Check(r);
                Read += r;
                progress = true;
                continue;
            }
            if (eof)
            {
                Eof = true;
                progress = true;
                if (ep.Error != SocketError.Success)
                {
                    return Fail(ep.Error);
                }
                if (Read != expected.Length)
                {
                    throw new SimulationException($"{name}: EOF after {Read} of {expected.Length} bytes (state {ep.State})");
                }
            }
            else if (error != SocketError.Success)
            {
                return Fail(error);
            }
            return progress;
        }
    }

    /// <summary>
    /// The application sometimes stops reading for a while (a bounded number of times, so a slow reader
    /// cannot outlast the virtual-time limit): the receive window closes.
    /// </summary>
    private void MaybePauseReading(TimeSpan now)
    {
        if (_pauses < MaxPauses && spec.ReadPauseChance > 0 && rng.NextDouble() < spec.ReadPauseChance)
        {
            _pauses++;
            ReadResumeAt = now + TimeSpan.FromMilliseconds(rng.Next(1, spec.MaxReadPauseMs + 1));
        }
    }

    private bool Fail(SocketError error)
    {
        SeenError = error;
        AppDone = true;
        return true;
    }

    private void Check(int count)
    {
        if (Read + count > expected.Length)
        {
            throw new SimulationException($"{name}: received {Read + count} bytes, the peer sent only {expected.Length}");
        }
        ReadOnlySpan<byte> got = _buffer.AsSpan(0, count);
        ReadOnlySpan<byte> want = expected.AsSpan(Read, count);
        if (!got.SequenceEqual(want))
        {
            int i = 0;
            while (got[i] == want[i])
            {
                i++;
            }
            throw new SimulationException($"{name}: byte {Read + i} differs (got {got[i]:x2}, sent {want[i]:x2})");
        }
    }

    public string Describe() =>
        $"{name}: written {Written}/{spec.WriteTotal} read {Read}/{expected.Length} eof {Eof} shutdown {ShutdownDone} appDone {AppDone} aborted {Aborted} error {SeenError}"
        + (Endpoint is null ? " (no endpoint)" : $" endpoint {Endpoint.State} {Endpoint.Error}; {Endpoint.GetInfo()}");
}

internal sealed class SimulationException(string message) : Exception(message);

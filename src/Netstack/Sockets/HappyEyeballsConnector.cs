using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Netstack.Stack;

namespace Netstack.Sockets;

/// <summary>
/// Connects to the first of several addresses that answers, Happy Eyeballs style (RFC 8305 §4, §5): the addresses
/// are interleaved by family (the first address's family first), and each attempt gets
/// <see cref="AttemptDelay"/> (on the stack's clock) before the next one starts alongside it; a failure starts the
/// next one at once. The first connection established wins and the others are cancelled (aborted).
/// </summary>
internal static class HappyEyeballsConnector
{
    /// <summary>RFC 8305 §5's recommended Connection Attempt Delay.</summary>
    public static readonly TimeSpan AttemptDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Connects to one of <paramref name="addresses"/> on <paramref name="port"/>; throws the last failure when all fail.</summary>
    public static async ValueTask<TcpConnection> ConnectAsync(NetStack stack, IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        if (addresses.Count == 1)
        {
            return await stack.ConnectTcpAsync(new IPEndPoint(addresses[0], port), cancellationToken).ConfigureAwait(false);
        }
        List<IPAddress> order = Interleave(addresses);
        using var losers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new List<Task<TcpConnection>>();
        Exception? lastFailure = null;
        int next = 0;
        try
        {
            while (true)
            {
                if (next < order.Count)
                {
                    pending.Add(stack.ConnectTcpAsync(new IPEndPoint(order[next++], port), losers.Token).AsTask());
                }
                if (pending.Count == 0)
                {
                    ExceptionDispatchInfo.Throw(lastFailure!); // every address failed: the last reason
                }
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(losers.Token);
                Task timer = next < order.Count ? Task.Delay(AttemptDelay, stack.TimeProvider, delay.Token) : Task.Delay(Timeout.Infinite, delay.Token);
                Task done = await Task.WhenAny([.. pending, timer]).ConfigureAwait(false);
                delay.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
                if (done is Task<TcpConnection> attempt)
                {
                    pending.Remove(attempt);
                    if (attempt.IsCompletedSuccessfully)
                    {
                        return attempt.Result;
                    }
                    lastFailure = attempt.Exception?.InnerException ?? lastFailure;
                }
            }
        }
        finally
        {
            await losers.CancelAsync().ConfigureAwait(false);
            foreach (Task<TcpConnection> loser in pending)
            {
                _ = DisposeWhenDoneAsync(loser);
            }
        }
    }

    /// <summary>Alternates the families, keeping each family's order, starting with the first address's family (RFC 8305 §4).</summary>
    internal static List<IPAddress> Interleave(IReadOnlyList<IPAddress> addresses)
    {
        AddressFamily first = addresses[0].AddressFamily;
        var preferred = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily == first));
        var other = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily != first));
        var order = new List<IPAddress>(addresses.Count);
        while (preferred.Count > 0 || other.Count > 0)
        {
            if (preferred.TryDequeue(out IPAddress? a))
            {
                order.Add(a);
            }
            if (other.TryDequeue(out IPAddress? b))
            {
                order.Add(b);
            }
        }
        return order;
    }

    /// <summary>A cancelled attempt may still have connected in the race: close it.</summary>
    private static async Task DisposeWhenDoneAsync(Task<TcpConnection> attempt)
    {
        try
        {
            TcpConnection connection = await attempt.ConfigureAwait(false);
            connection.Abort();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // it lost
        }
    }
}

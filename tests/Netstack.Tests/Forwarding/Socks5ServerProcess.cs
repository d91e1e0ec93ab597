using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Netstack.Tests.Infrastructure;

namespace Netstack.Tests.Forwarding;

/// <summary>
/// A real SOCKS5 server (Debian's microsocks or dante-server) on 127.0.0.1 with an ephemeral port, killed by its
/// PID (with the children dante forks) on dispose.
/// </summary>
internal sealed class Socks5ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _directory;
    private bool _disposed;

    private Socks5ServerProcess(string program, IEnumerable<string> args, int port, string? directory)
    {
        _directory = directory;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>What the server printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>microsocks on 127.0.0.1 (CONNECT only), with RFC 1929 username/password when <paramref name="user"/> is set.</summary>
    public static Socks5ServerProcess StartMicrosocks(string? user = null, string? password = null)
    {
        int port = FreePort();
        List<string> args = ["-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (user is not null)
        {
            args.AddRange(["-u", user, "-P", password ?? ""]);
        }
        return Ready(new Socks5ServerProcess(ToolPath.Find("microsocks")!, args, port, null));
    }

    /// <summary>
    /// danted on 127.0.0.1 with a configuration written to a temporary directory: no authentication, clients and
    /// destinations on 127.0.0.0/8 only, CONNECT and UDP ASSOCIATE allowed.
    /// </summary>
    public static Socks5ServerProcess StartDante()
    {
        int port = FreePort();
        string directory = Directory.CreateTempSubdirectory("netstack-danted-").FullName;
        string config = Path.Combine(directory, "danted.conf");
        // As root danted wants users to switch to; "nobody" is enough for a relay on loopback.
        string users = Environment.IsPrivilegedProcess ? "user.privileged: root\nuser.unprivileged: nobody\n" : "";
        File.WriteAllText(config, $"""
            logoutput: stderr
            internal: 127.0.0.1 port = {port}
            external: 127.0.0.1
            clientmethod: none
            socksmethod: none
            {users}
            client pass {"{"} from: 127.0.0.0/8 to: 0.0.0.0/0 {"}"}
            socks pass {"{"} from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect udpassociate udpreply {"}"}
            socks block {"{"} from: 0.0.0.0/0 to: 0.0.0.0/0 {"}"}

            """);
        return Ready(new Socks5ServerProcess(ToolPath.Find("danted")!, ["-f", config, "-p", Path.Combine(directory, "danted.pid"), "-N", "1"], port, directory));
    }

    /// <summary>Kills the server by its PID (and the processes it forked).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                // SIGKILL to the server's PID and the children dante forks (they hold the output pipes open).
                // Dante's main process does not reap its children even on SIGTERM, so where PID 1 does not reap
                // either (a bare container) they stay as zombies whichever way it is stopped.
                _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Waits until the server accepts connections (or fails with what it printed if it exits).</summary>
    private static Socks5ServerProcess Ready(Socks5ServerProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (server._process.HasExited)
            {
                string output = server.Output;
                server.Dispose();
                throw new InvalidOperationException($"the SOCKS5 server exited at start: {output}");
            }
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Connect(server.EndPoint);
                return server;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        server.Dispose();
        throw new TimeoutException("the SOCKS5 server did not listen within 10 s");
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

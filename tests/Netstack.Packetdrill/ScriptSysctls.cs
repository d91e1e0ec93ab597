using System.Runtime.InteropServices;
using Netstack.Transport.Tcp;

namespace Netstack.Packetdrill;

/// <summary>
/// The sysctls a script's init commands set. Under the library those commands run stand-ins (prepare-scripts.sh
/// "ours") that change nothing on the machine and append <c>KEY=VALUE</c> lines to the file this class names in the
/// environment packetdrill's children inherit; a new socket takes the settings the stack has from it, as a Linux
/// socket takes the namespace's sysctls when it is created (tcp_ecn, tcp_timestamps, tcp_sack, tcp_window_scaling,
/// tcp_slow_start_after_idle, tcp_wmem, tcp_rmem), and CUBIC's <c>hystart_detect</c> module parameter, which
/// prepare-scripts.sh turns from an <c>echo</c> into /sys into such a line.
/// </summary>
internal sealed partial class ScriptSysctls : IDisposable
{
    public const string EnvironmentVariable = "NETSTACK_PACKETDRILL_SYSCTLS";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"netstack-packetdrill-sysctls.{Environment.ProcessId}");

    public ScriptSysctls()
    {
        File.Delete(_path);
        SetEnvironment(EnvironmentVariable, _path, 1);
    }

    /// <summary>Applies the recorded settings the stack has to <paramref name="options"/> (later lines win).</summary>
    public void Apply(TcpEndpointOptions options)
    {
        if (!File.Exists(_path))
        {
            return;
        }
        foreach (string line in File.ReadLines(_path))
        {
            int eq = line.IndexOf('=');
            if (eq > 0)
            {
                Apply(options, line[..eq].Trim(), line[(eq + 1)..].Trim().Trim('"'));
            }
        }
    }

    /// <summary>
    /// Whether the script turned TSO or GSO off on tun0 (<c>ethtool -K tun0 tso off</c>): Linux then still builds
    /// super-segments but segments them in software before the device, so packetdrill sees MSS-sized packets.
    /// </summary>
    public bool SegmentationOff()
    {
        if (!File.Exists(_path))
        {
            return false;
        }
        foreach (string line in File.ReadLines(_path))
        {
            if (line.Trim() is "ethtool.tso=off" or "ethtool.gso=off")
            {
                return true;
            }
        }
        return false;
    }

    private static void Apply(TcpEndpointOptions options, string key, string value)
    {
        string[] numbers = value.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (numbers.Length == 0 || !long.TryParse(numbers[0], out long first))
        {
            return;
        }
        switch (key)
        {
            case "net.ipv4.tcp_ecn" when first is >= 0 and <= 2:
                options.Ecn = (TcpEcnMode)first;
                break;
            case "net.ipv4.tcp_timestamps":
                options.Timestamps = first != 0;
                break;
            case "net.ipv4.tcp_sack":
                options.Sack = first != 0;
                break;
            case "net.ipv4.tcp_slow_start_after_idle":
                options.SlowStartAfterIdle = first != 0;
                break;
            case "net.ipv4.tcp_min_tso_segs" when first is >= 1 and <= 255:
                options.MinTsoSegments = (int)first;
                break;
            case "net.ipv4.tcp_window_scaling":
                options.WindowScaling = first != 0;
                break;
            case "net.ipv4.tcp_notsent_lowat" when first is > 0 and <= uint.MaxValue:
                options.NotSentLowWatermark = (int)Math.Min(first, int.MaxValue);
                break;
            case "net.ipv4.tcp_wmem" when numbers.Length == 3 && int.TryParse(numbers[1], out int send):
                options.SendBufferSize = send;
                break;
            case "sys.module.tcp_cubic.parameters.hystart_detect":
                options.HyStart = (HyStartDetection)(first & (long)HyStartDetection.Both);
                break;
            case "net.ipv4.tcp_rmem" when numbers.Length == 3 && int.TryParse(numbers[1], out int receive) && int.TryParse(numbers[2], out int max):
                options.ReceiveBufferSize = receive;
                options.MaxReceiveBufferSize = max;
                break;
        }
    }

    public void Dispose() => File.Delete(_path);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}

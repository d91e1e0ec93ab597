using System.Globalization;
using System.Net.NetworkInformation;
using Netstack.Stack;
using Netstack.Wire;

namespace Netstack.Cli.Run;

/// <summary>
/// The prefixes the host already uses (its interface addresses with their prefixes, and its routes other than
/// the default ones), which the namespace's default subnets must not overlap: an overlap would make a host
/// network unreachable from inside.
/// </summary>
public static class HostNetworks
{
    /// <summary>Reads the host's interface prefixes and its IPv4 and IPv6 routes (/proc/net/route, /proc/net/ipv6_route).</summary>
    public static IReadOnlyList<InterfaceAddress> Read()
    {
        var prefixes = new List<InterfaceAddress>();
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    prefixes.Add(new InterfaceAddress(NetAddress.FromIPAddress(unicast.Address), unicast.PrefixLength));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // The routes below still cover the connected subnets.
        }
        ReadRoutes4(prefixes);
        ReadRoutes6(prefixes);
        prefixes.RemoveAll(p => p.PrefixLength == 0);
        return prefixes;
    }

    /// <summary>True when the two prefixes share an address (the shorter one contains the other's network).</summary>
    public static bool Overlaps(InterfaceAddress a, InterfaceAddress b)
    {
        if (a.Address.IsV6 != b.Address.IsV6)
        {
            return false;
        }
        int shorter = Math.Min(a.PrefixLength, b.PrefixLength);
        return a.Address.Mask(shorter) == b.Address.Mask(shorter);
    }

    private static void ReadRoutes4(List<InterfaceAddress> prefixes)
    {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; addresses in hex, in the kernel's (host) byte order.
        foreach (string line in ReadLines("/proc/net/route").Skip(1))
        {
            string[] f = line.Split('\t', ' ').Where(s => s.Length > 0).ToArray();
            if (f.Length > 7
                && uint.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint destination)
                && uint.TryParse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint mask))
            {
                uint hostOrder = BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(destination) : destination;
                prefixes.Add(new InterfaceAddress(NetAddress.FromV4(hostOrder), System.Numerics.BitOperations.PopCount(mask)));
            }
        }
    }

    private static void ReadRoutes6(List<InterfaceAddress> prefixes)
    {
        // destination (32 hex digits) prefix-length (hex) source source-length next-hop metric refcnt use flags device
        foreach (string line in ReadLines("/proc/net/ipv6_route"))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 9 && f[0].Length == 32
                && UInt128.TryParse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 destination)
                && int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int length)
                && f[9] != "lo")
            {
                prefixes.Add(new InterfaceAddress(new NetAddress(destination, IsV6: true), length));
            }
        }
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}

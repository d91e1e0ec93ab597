namespace Netstack.Link;

/// <summary>
/// The classic libpcap file format (https://www.tcpdump.org/manpages/pcap-savefile.5.html, and
/// draft-ietf-opsawg-pcap): a 24-byte file header, then per packet a 16-byte record header followed by the
/// captured bytes. Every field is written in the writer's byte order; readers detect it from the magic number.
/// We always write little-endian.
/// </summary>
public static class PcapFormat
{
    /// <summary>Magic of a file whose record timestamps carry microseconds.</summary>
    public const uint MagicMicroseconds = 0xA1B2C3D4;

    /// <summary>Magic of a file whose record timestamps carry nanoseconds.</summary>
    public const uint MagicNanoseconds = 0xA1B23C4D;

    /// <summary>The file format's major version (2).</summary>
    public const ushort VersionMajor = 2;

    /// <summary>The file format's minor version (4).</summary>
    public const ushort VersionMinor = 4;

    /// <summary>The snapshot length tcpdump uses by default (and the most Wireshark accepts for most link types).</summary>
    public const int DefaultSnapLength = 262144;

    /// <summary>Length of the file header in bytes.</summary>
    public const int FileHeaderLength = 24;

    /// <summary>Length of each record header in bytes (seconds, sub-seconds, captured length, original length).</summary>
    public const int RecordHeaderLength = 16;
}

/// <summary>The LINKTYPE_ value in a pcap file header (https://www.tcpdump.org/linktypes.html).</summary>
public enum PcapLinkType : uint
{
    /// <summary>LINKTYPE_ETHERNET: each packet starts with a 14-byte Ethernet header.</summary>
    Ethernet = 1,

    /// <summary>LINKTYPE_RAW: each packet starts at an IPv4 or IPv6 header (the version nibble tells which).</summary>
    Raw = 101,
}

/// <summary>The resolution of record timestamps, chosen by the file's magic number.</summary>
public enum PcapTimestampPrecision
{
    /// <summary>Timestamps in microseconds (magic 0xA1B2C3D4).</summary>
    Microseconds,
    /// <summary>Timestamps in nanoseconds (magic 0xA1B23C4D).</summary>
    Nanoseconds,
}

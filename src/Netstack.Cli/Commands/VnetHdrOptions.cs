using System.CommandLine;
using System.CommandLine.Parsing;

namespace Netstack.Cli.Commands;

/// <summary>
/// <c>--vnet-hdr</c> and <c>--no-vnet-hdr</c> of the commands that open a TUN device. Neither given: vnet_hdr is
/// probed and used when the kernel accepts it (the fast path is the default); <c>--vnet-hdr</c> makes a refusal an
/// error; <c>--no-vnet-hdr</c> leaves it off.
/// </summary>
public sealed class VnetHdrOptions
{
    public Option<bool> Require { get; } = new("--vnet-hdr")
    {
        Description = "Require IFF_VNET_HDR (64 KiB TCP super-segments and checksum offload with the kernel); by default it is used when the kernel offers it.",
    };

    public Option<bool> Refuse { get; } = new("--no-vnet-hdr")
    {
        Description = "Open the TUN device without IFF_VNET_HDR: one MTU-sized packet per system call.",
    };

    /// <summary>True, false or null (probe), as <see cref="Netstack.Link.TunLinkOptions.VirtioNetHeader"/> takes it.</summary>
    public bool? Value(ParseResult result) =>
        result.GetValue(Require) ? true : result.GetValue(Refuse) ? false : null;

    /// <summary>The error when both flags are given, or null.</summary>
    public string? Conflict(CommandResult result) =>
        result.GetValue(Require) && result.GetValue(Refuse) ? "--vnet-hdr and --no-vnet-hdr cannot be given together." : null;
}

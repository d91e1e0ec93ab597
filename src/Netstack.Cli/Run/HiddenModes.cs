using System.Globalization;

namespace Netstack.Cli.Run;

/// <summary>
/// The internal subcommands <c>run</c> and <c>attach</c> start themselves with, kept out of the command tree (and
/// so out of <c>--help</c>): <see cref="RunSession.HelperMode"/> (the namespace helper) and
/// <see cref="CapabilityDrop.ForwardMode"/> (the forwarder after the capability-dropping re-exec). Their
/// arguments are positional and written only by this program.
/// </summary>
public static class HiddenModes
{
    /// <summary>True when <paramref name="args"/> select a hidden mode.</summary>
    public static bool Selects(string[] args) =>
        args is not null && args.Length > 0 && args[0] is RunSession.HelperMode or CapabilityDrop.ForwardMode;

    /// <summary>Runs the hidden mode <paramref name="args"/>[0] selects.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args[0] == CapabilityDrop.ForwardMode)
        {
            return CapabilityDrop.RunForwardMode(args[1..]);
        }
        // __ns-init SOCKET run|attach OPTIONS... [-- COMMAND]
        if (args.Length < 3 || args[2] is not ("run" or "attach"))
        {
            throw new CommandFailedException($"{RunSession.HelperMode}: internal mode, not for direct use", ExitCodes.Usage);
        }
        int socket = int.Parse(args[1], CultureInfo.InvariantCulture);
        RunOptions options = RunOptionSet.Parse(args[3..], []);
        return NamespaceSetup.Run(options, socket, attach: args[2] == "attach");
    }
}

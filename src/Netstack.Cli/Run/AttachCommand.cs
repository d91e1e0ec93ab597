using System.CommandLine;

namespace Netstack.Cli.Run;

/// <summary>
/// <c>netstack attach (--netns PATH | --pid PID) [OPTIONS]</c>: gives an existing network namespace a TUN device
/// connected through the userspace stack (as Podman hands pasta a namespace), and serves it until the namespace
/// is gone (see <see cref="NamespaceWatch"/>) or SIGINT/SIGTERM/SIGHUP arrives.
/// </summary>
public static class AttachCommand
{
    public static Command Create()
    {
        var set = new RunOptionSet();
        var netns = new Option<string?>("--netns")
        {
            Description = "The network namespace file to serve (e.g. /run/netns/NAME).",
            HelpName = "PATH",
        };
        var pid = new Option<int?>("--pid")
        {
            Description = "Serve the network namespace of this process.",
            HelpName = "PID",
            CustomParser = result =>
            {
                int value = OptionParsers.IntegerInRange("--pid", 1, int.MaxValue)(result);
                return value;
            },
        };
        var command = new Command("attach", "Connect an existing network namespace through the userspace stack until it is gone.") { netns, pid };
        set.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(netns) is null) == (result.GetResult(pid) is null))
            {
                result.AddError("attach needs exactly one of --netns PATH and --pid PID.");
            }
        });
        command.SetAction(result =>
        {
            AttachTarget target = result.GetValue(pid) is int p
                ? new AttachTarget($"/proc/{p}/ns/net", p)
                : new AttachTarget(Path.GetFullPath(result.GetValue(netns)!), null);
            RunOptions options = set.Bind(result, [], HostNetworks.Read());
            return RunSession.Run(options, target);
        });
        return command;
    }
}

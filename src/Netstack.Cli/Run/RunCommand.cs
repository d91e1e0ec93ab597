using System.CommandLine;

namespace Netstack.Cli.Run;

/// <summary>
/// <c>netstack run [OPTIONS] [-- CMD [ARGS...]]</c>: runs CMD (default $SHELL, else /bin/sh) in a new network
/// namespace (and mount namespace; and user namespace when not root) whose traffic our stack carries over host
/// sockets, like pasta and slirp4netns. Exits with CMD's status.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var set = new RunOptionSet();
        var program = new Argument<string[]>("command")
        {
            Description = "The command and its arguments (default: $SHELL, else /bin/sh); put '--' before it when it has options.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("run", "Run a command in a new network namespace connected through the userspace stack.") { program };
        set.AddTo(command);
        command.SetAction(result =>
        {
            string[] words = result.GetValue(program) ?? [];
            if (words.Length == 0)
            {
                string? shell = Environment.GetEnvironmentVariable("SHELL");
                words = [string.IsNullOrEmpty(shell) ? "/bin/sh" : shell];
            }
            RunOptions options = set.Bind(result, words, HostNetworks.Read());
            return RunSession.Run(options, attach: null);
        });
        return command;
    }
}

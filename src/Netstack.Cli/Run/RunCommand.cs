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
            RejectOptionLikeCommand(result, words);
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

    /// <summary>
    /// An unknown option before the command would otherwise become the command (the argument takes any word):
    /// without <c>--</c>, a first word starting with '-' is a typo to report (exit 2), not a program to run.
    /// </summary>
    internal static void RejectOptionLikeCommand(ParseResult result, IReadOnlyList<string> words)
    {
        if (words.Count == 0 || !words[0].StartsWith('-'))
        {
            return;
        }
        var tokens = result.Tokens.ToList();
        int doubleDash = tokens.FindIndex(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash);
        int first = tokens.FindIndex(t => t.Type == System.CommandLine.Parsing.TokenType.Argument && t.Value == words[0]);
        if (doubleDash < 0 || first < doubleDash)
        {
            throw new CommandFailedException($"unrecognized command or option '{words[0]}' (put '--' before a command that starts with '-').", ExitCodes.Usage);
        }
    }
}

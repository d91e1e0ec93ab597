using System.CommandLine;
using System.CommandLine.Invocation;
using Netstack.Cli.Commands;
using Netstack.Cli.Run;

namespace Netstack.Cli;

/// <summary>
/// The <c>netstack</c> command line: builds the command tree and runs one invocation. Parse errors are
/// reported as a single line on standard error with exit code <see cref="ExitCodes.Usage"/> (instead of
/// System.CommandLine's default error-plus-help block), so scripts can show them verbatim; failures at run
/// time are a single line with <see cref="ExitCodes.Failure"/>.
/// </summary>
public static class NetstackCli
{
    /// <summary>The name used as the prefix of every error line.</summary>
    public const string Name = "netstack";

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("A userspace TCP/IP stack for .NET: serve and measure traffic through a TUN device.");
        root.Subcommands.Add(EchoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(AttachCommand.Create());
        root.Subcommands.Add(SandboxCheckCommand.Create()); // hidden: for tests of the forwarder's sandbox
        foreach (Option option in root.Options)
        {
            if (option is VersionOption)
            {
                option.Action = new VersionAction();
            }
        }
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the selected command, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (HiddenModes.Selects(args))
        {
            return RunHidden(args, error);
        }
        RootCommand root = CreateRootCommand();
        ParseResult result = root.Parse(args);

        // Help and --version clear unrelated parse errors; whatever errors remain select ParseErrorAction.
        if (result.Action is ParseErrorAction || (result.Action is null && result.Errors.Count > 0))
        {
            // An unknown word usually also leaves "required command was not provided"; the unknown word is the news.
            string message = result.UnmatchedTokens.Count > 0
                ? $"unrecognized command or option '{result.UnmatchedTokens[0]}'."
                : result.Errors.Count > 0 ? result.Errors[0].Message : "invalid command line.";
            WriteError(error, OneLine(message) + " (see 'netstack --help')");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // long-running commands handle SIGINT/SIGTERM themselves (ShutdownSignal)
        };
        try
        {
            return result.Invoke(configuration);
        }
        catch (CommandFailedException e)
        {
            WriteError(error, e.Message);
            return e.ExitCode;
        }
#pragma warning disable CA1031 // The command line's last resort: any failure becomes one line and exit code 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            WriteError(error, $"{e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Runs an internal mode of <c>run</c>/<c>attach</c> with the same one-line error reporting.</summary>
    private static int RunHidden(string[] args, TextWriter error)
    {
        try
        {
            return HiddenModes.Run(args);
        }
        catch (CommandFailedException e)
        {
            WriteError(error, e.Message);
            return e.ExitCode;
        }
#pragma warning disable CA1031 // as in Run: the last resort is one line and exit code 1
        catch (Exception e)
#pragma warning restore CA1031
        {
            WriteError(error, $"{e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Writes <c>netstack: message</c> as one line.</summary>
    public static void WriteError(TextWriter error, string message)
    {
        error.WriteLine($"{Name}: {OneLine(message)}");
        error.Flush();
    }

    /// <summary>Folds a possibly multi-line message onto one line.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

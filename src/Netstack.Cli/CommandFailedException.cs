namespace Netstack.Cli;

/// <summary>A command failed in a way the user can act on; the message is printed as one line and the process exits with <see cref="ExitCode"/>.</summary>
public sealed class CommandFailedException : Exception
{
    public CommandFailedException()
        : this("the command failed")
    {
    }

    public CommandFailedException(string message)
        : this(message, ExitCodes.Failure)
    {
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failure;
    }

    public CommandFailedException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code to report.</summary>
    public int ExitCode { get; }
}

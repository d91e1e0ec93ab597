namespace Netstack.Cli;

/// <summary>The process exit codes of the <c>netstack</c> command (the sysexits-like convention of most Unix tools).</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command was well-formed but failed at run time (e.g. the TUN device cannot be opened).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: an unknown command or option, a missing or malformed value.</summary>
    public const int Usage = 2;
}

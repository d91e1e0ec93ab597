namespace Netstack.Cli.Run;

/// <summary>How much <c>netstack run</c> and <c>attach</c> print on standard error (<c>--quiet</c> / <c>--verbose</c>).</summary>
public enum Verbosity
{
    /// <summary>Only errors.</summary>
    Quiet,

    /// <summary>Errors and one-time warnings (limits hit, offloads refused).</summary>
    Normal,

    /// <summary>Also what was chosen: the addresses per family, the device, the mode.</summary>
    Verbose,
}

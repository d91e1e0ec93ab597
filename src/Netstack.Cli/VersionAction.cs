using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Netstack.Cli;

/// <summary>
/// Prints this assembly's version for <c>--version</c>. System.CommandLine's own action reports the entry
/// assembly, which is the test host when the CLI runs in-process.
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public static string Version { get; } =
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionAction).Assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return ExitCodes.Success;
    }
}

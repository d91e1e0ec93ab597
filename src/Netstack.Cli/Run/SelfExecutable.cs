namespace Netstack.Cli.Run;

/// <summary>
/// How to start this program again (for the namespace helper and the capability-dropping re-exec): the apphost
/// (<c>netstack</c>) when that is what runs, or <c>dotnet Netstack.Cli.dll</c> when the program was started
/// through the dotnet host (the tests, <c>dotnet run</c>).
/// </summary>
public static class SelfExecutable
{
    /// <summary>The program and leading arguments that run <c>netstack</c>.</summary>
    public static IReadOnlyList<string> Command()
    {
        string process = Environment.ProcessPath
            ?? throw new CommandFailedException("cannot find this program's executable (no /proc/self/exe?)");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return [process, typeof(NetstackCli).Assembly.Location];
        }
        return [process];
    }
}

namespace Netstack.Cli.Run;

/// <summary>Confines the forwarder once setup is complete (no_new_privs, seccomp).</summary>
public static class ForwarderSandbox
{
    /// <summary>Applies the sandbox to the whole process.</summary>
    public static void Apply()
    {
        // Placeholder: replaced by the forwarder engine.
    }
}

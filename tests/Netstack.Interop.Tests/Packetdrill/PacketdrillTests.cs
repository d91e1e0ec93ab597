namespace Netstack.Interop.Tests.Packetdrill;

/// <summary>
/// Google's packetdrill TCP scripts against our stack (packetdrill --so_filename with tests/Netstack.Packetdrill):
/// every script not in allowlist.tsv must pass. No root needed. Skipped, with the reason, where packetdrill or the
/// NativeAOT toolchain (clang) is missing. tests/Netstack.Packetdrill/run.sh compares the same scripts with Linux.
/// </summary>
public sealed class PacketdrillTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        IReadOnlyDictionary<string, string> allowed = PacketdrillSuite.AllowList();
        foreach (string script in PacketdrillSuite.AllScripts().Where(s => !allowed.ContainsKey(s)))
        {
            data.Add(script);
        }
        if (data.Count == 0)
        {
            data.Add("(no scripts: packetdrill not found)"); // a theory needs a row; the skip reason says why
        }
        return data;
    }

    [PacketdrillTheory]
    [MemberData(nameof(Scripts))]
    public void Script_passes_against_our_stack(string script)
    {
        (int exitCode, string output) = PacketdrillSuite.Run(script);
        Assert.True(exitCode == 0, $"{script}: packetdrill exit {exitCode}\n{output}");
    }

    [PacketdrillFact]
    public void Allow_list_names_only_existing_scripts_each_with_a_reason()
    {
        var scripts = PacketdrillSuite.AllScripts().ToHashSet(StringComparer.Ordinal);
        foreach ((string script, string reason) in PacketdrillSuite.AllowList())
        {
            Assert.True(scripts.Contains(script), $"allowlist.tsv names {script}, which packetdrill does not have");
            Assert.False(string.IsNullOrWhiteSpace(reason), $"allowlist.tsv gives no reason for {script}");
        }
    }
}

/// <summary>A theory skipped, with the reason, where packetdrill or clang is missing.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PacketdrillTheoryAttribute : TheoryAttribute
{
    public PacketdrillTheoryAttribute() => Skip = PacketdrillSuite.SkipReason;
}

/// <summary>A fact skipped, with the reason, where packetdrill or clang is missing.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PacketdrillFactAttribute : FactAttribute
{
    public PacketdrillFactAttribute() => Skip = PacketdrillSuite.SkipReason;
}

using Netstack.Fuzz;
using SharpFuzz;

// The afl++ driver (see fuzz/README.md):
//   Netstack.Fuzz <target>                    under afl-fuzz: SharpFuzz's fork server runs the target on each input
//   Netstack.Fuzz <target> --replay <path>..  runs the target on files (or every file in folders); exit 1 on a crash
//   Netstack.Fuzz <target> --seeds <dir>      writes the target's hand-made starting inputs into <dir>
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Netstack.Fuzz <{string.Join('|', FuzzTargets.Names)}> [--replay <path>...|--seeds <dir>]");
    return 2;
}
string target = args[0];
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var input = new MemoryStream();
        stream.CopyTo(input);
        FuzzTargets.Run(target, input.GetBuffer().AsSpan(0, (int)input.Length));
    });
    return 0;
}
if (args[1] == "--seeds" && args.Length == 3)
{
    Directory.CreateDirectory(args[2]);
    foreach ((string name, byte[] input) in FuzzTargets.Seeds(target))
    {
        File.WriteAllBytes(Path.Combine(args[2], name), input);
    }
    return 0;
}
if (args[1] == "--replay" && args.Length >= 3)
{
    return CorpusReplay.Run(target, args[2..], Console.Out);
}
Console.Error.WriteLine($"Netstack.Fuzz: unknown arguments '{string.Join(' ', args[1..])}' (expected --replay <path>... or --seeds <dir>)");
return 2;

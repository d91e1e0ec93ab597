namespace Netstack.Tests.Wire;

internal delegate bool TryParseBytes(byte[] bytes);

internal static class WireTestHelpers
{
    public const int EthernetHeaderLength = 14;

    /// <summary>The bytes after the 14-byte Ethernet header of a captured frame.</summary>
    public static byte[] AfterEthernet(string frameHex) => CapturedFrames.Bytes(frameHex)[EthernetHeaderLength..];

    /// <summary>
    /// Every prefix of <paramref name="bytes"/> shorter than <paramref name="firstValidLength"/> must be rejected and
    /// every longer one accepted; each prefix is copied to an exact-size array so a read past it would throw.
    /// </summary>
    public static void AssertPrefixes(byte[] bytes, int firstValidLength, TryParseBytes tryParse)
    {
        for (int length = 0; length <= bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            bool expected = length >= firstValidLength;
            Assert.True(expected == tryParse(prefix), $"prefix of {length} bytes: expected {(expected ? "accept" : "reject")}");
        }
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Netstack.Cli.Bench.Iperf3;

/// <summary>
/// The 37-byte cookie that opens every iperf3 connection: 36 characters from a base32 alphabet and a NUL. The
/// control connection sends it first, and each data stream repeats it so the server can tell its streams from a
/// second client (make_cookie in iperf_api.c).
/// </summary>
public static class Iperf3Cookie
{
    /// <summary>Bytes on the wire, the NUL included.</summary>
    public const int Size = 37;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A fresh random cookie, NUL-terminated.</summary>
    public static byte[] Create()
    {
        var cookie = new byte[Size];
        for (int i = 0; i < Size - 1; i++)
        {
            cookie[i] = (byte)Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return cookie;
    }

    /// <summary>The cookie's text up to its NUL, for logs and error messages.</summary>
    public static string ToText(ReadOnlySpan<byte> cookie)
    {
        int nul = cookie.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul < 0 ? cookie : cookie[..nul]);
    }
}

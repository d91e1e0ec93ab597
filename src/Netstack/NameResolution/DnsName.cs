using System.Text;

namespace Netstack.NameResolution;

/// <summary>
/// Domain names on the wire (RFC 1035 §3.1, §4.1.4): a sequence of length-prefixed labels ending in a zero octet,
/// where a two-octet pointer (top bits 11) may stand for the rest of the name at an earlier offset of the message.
/// </summary>
/// <remarks>
/// Reading is bounds-checked and terminates on any input: every pointer must point strictly before the previous
/// pointer's target (compressors only point back at names already written, whose own pointers point further back),
/// so a loop is impossible; the decoded name must fit 255 octets (RFC 1035 §2.3.4); label types 01 and 10 (RFC 6891
/// retired them) are rejected. Decoded names are text with the bytes outside printable ASCII, '.' and '\' escaped as
/// dig prints them (<c>\DDD</c>, <c>\.</c>), so two different wire names never read as the same string.
/// </remarks>
internal static class DnsName
{
    /// <summary>The most octets a name takes on the wire, length octets and the final zero included (RFC 1035 §2.3.4).</summary>
    public const int MaxWireLength = 255;

    /// <summary>The most octets of one label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Whether <paramref name="name"/> (dotted, an optional final dot) can be queried: labels of 1 to 63 printable
    /// ASCII characters other than '\', 255 octets in all. Non-ASCII names must be given in their IDNA (punycode)
    /// form, as <see cref="Uri.IdnHost"/> gives them.
    /// </summary>
    public static bool IsValid(string name) => GetWireLength(name) > 0;

    /// <summary>The octets <see cref="Write"/> takes for <paramref name="name"/>, or 0 when it is not a valid name.</summary>
    public static int GetWireLength(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length == 0)
        {
            return 0;
        }
        int total = 1; // the root's zero octet
        foreach (Range range in trimmed.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> label = trimmed.AsSpan()[range];
            if (label.Length is 0 or > MaxLabelLength)
            {
                return 0;
            }
            foreach (char c in label)
            {
                if (c is <= ' ' or > '~' or '\\')
                {
                    return 0;
                }
            }
            total += 1 + label.Length;
        }
        return total <= MaxWireLength ? total : 0;
    }

    /// <summary>Writes <paramref name="name"/> uncompressed; returns the octets written.</summary>
    /// <exception cref="ArgumentException">The name is not valid (<see cref="IsValid"/>) or does not fit.</exception>
    public static int Write(string name, Span<byte> destination)
    {
        int length = GetWireLength(name);
        if (length == 0 || length > destination.Length)
        {
            throw new ArgumentException($"'{name}' is not a valid DNS name or does not fit.", nameof(name));
        }
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        int at = 0;
        foreach (Range range in trimmed.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> label = trimmed.AsSpan()[range];
            destination[at++] = (byte)label.Length;
            foreach (char c in label)
            {
                destination[at++] = (byte)c;
            }
        }
        destination[at++] = 0;
        return at;
    }

    /// <summary>
    /// Reads the name at <paramref name="offset"/> of <paramref name="message"/>, following compression pointers.
    /// <paramref name="end"/> is the offset right after the name where it starts (after its first pointer, if any).
    /// </summary>
    /// <returns><see langword="false"/> for a name that runs past the message, is too long, loops or uses an unknown label type.</returns>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, out string name, out int end)
    {
        name = string.Empty;
        end = -1;
        var text = new StringBuilder();
        int position = offset;
        int lowestTarget = offset; // a pointer must point before this
        int wireLength = 1;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return false;
            }
            byte length = message[position];
            switch (length & 0xC0)
            {
                case 0x00 when length == 0:
                    if (end < 0)
                    {
                        end = position + 1;
                    }
                    name = text.Length == 0 ? "." : text.ToString();
                    return true;
                case 0x00:
                    wireLength += 1 + length;
                    if (wireLength > MaxWireLength || position + 1 + length > message.Length)
                    {
                        return false;
                    }
                    AppendLabel(text, message.Slice(position + 1, length));
                    position += 1 + length;
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        return false;
                    }
                    int target = ((length & 0x3F) << 8) | message[position + 1];
                    if (target >= lowestTarget)
                    {
                        return false; // forward or self pointer: the only way a loop can start
                    }
                    if (end < 0)
                    {
                        end = position + 2;
                    }
                    lowestTarget = target;
                    position = target;
                    break;
                default:
                    return false; // 01 and 10: extended label types, not in use (RFC 6891 §5)
            }
        }
    }

    /// <summary>Whether two decoded names are the same name (ASCII case-insensitive, RFC 4343; a final dot ignored).</summary>
    public static bool AreEqual(string a, string b) =>
        a.AsSpan().TrimEnd('.').Equals(b.AsSpan().TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        if (text.Length > 0)
        {
            text.Append('.');
        }
        foreach (byte b in label)
        {
            if (b is (byte)'.' or (byte)'\\')
            {
                text.Append('\\').Append((char)b);
            }
            else if (b is > (byte)' ' and <= (byte)'~')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('\\').Append((char)('0' + b / 100)).Append((char)('0' + b / 10 % 10)).Append((char)('0' + b % 10));
            }
        }
    }
}

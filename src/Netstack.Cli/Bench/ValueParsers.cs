using System.CommandLine.Parsing;
using System.Globalization;

namespace Netstack.Cli.Bench;

/// <summary>Parsers for bench option values: sizes with K/M/G suffixes (1024-based, as iperf3 reads them) and probabilities.</summary>
public static class ValueParsers
{
    /// <summary>Parses <c>100M</c>, <c>1G</c>, <c>65536</c> into bytes; K, M, G are powers of 1024.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        long scale = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1,
        };
        string digits = scale == 1 ? text : text[..^1];
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value <= 0 || value * scale > long.MaxValue / 2)
        {
            return false;
        }
        bytes = (long)(value * scale);
        return bytes > 0;
    }

    public static Func<ArgumentResult, long?> Size(string optionName) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!TryParseSize(text, out long bytes))
        {
            result.AddError($"{optionName} must be a positive size such as 65536, 512K, 100M or 1G, not '{text}'.");
            return null;
        }
        return bytes;
    };

    /// <summary>A congestion-control name the stack knows (<see cref="Netstack.Transport.Tcp.CongestionControlFactory.KnownNames"/>).</summary>
    public static Func<ArgumentResult, string> CongestionControl(string optionName) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!Netstack.Transport.Tcp.CongestionControlFactory.IsKnown(text))
        {
            result.AddError($"{optionName}: {Netstack.Transport.Tcp.CongestionControlFactory.UnknownMessage(text)}.");
            return "";
        }
        return text.ToLowerInvariant();
    };

    public static Func<ArgumentResult, double> Probability(string optionName) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double p) || p < 0 || p > 1)
        {
            result.AddError($"{optionName} must be a probability from 0 to 1 (e.g. 0.05), not '{text}'.");
            return 0;
        }
        return p;
    };

    /// <summary>Seconds from 0 to <paramref name="max"/>.</summary>
    public static Func<ArgumentResult, double> Seconds(string optionName, double max) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) || s < 0 || s > max)
        {
            result.AddError($"{optionName} must be a number of seconds from 0 to {max}, not '{text}'.");
            return 0;
        }
        return s;
    };

    public static Func<ArgumentResult, double> PositiveSeconds(string optionName, double max) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) || s <= 0 || s > max)
        {
            result.AddError($"{optionName} must be a number of seconds above 0 and at most {max}, not '{text}'.");
            return 0;
        }
        return s;
    };
}

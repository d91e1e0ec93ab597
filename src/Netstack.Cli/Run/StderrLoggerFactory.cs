using Microsoft.Extensions.Logging;

namespace Netstack.Cli.Run;

/// <summary>
/// What <c>--verbose</c> hands the stack as its <see cref="Stack.NetStackOptions.LoggerFactory"/>: each event at or above
/// <see cref="MinimumLevel"/> becomes one line on standard error, <c>run: debug Netstack.Tcp: ...</c>, written at once
/// (no queue, so lines keep their order with the command's other messages and none is lost at exit).
/// </summary>
/// <remarks>
/// Our own rather than Microsoft.Extensions.Logging.Console: that one brings the logging runtime, configuration and
/// options packages (a dozen assemblies) and writes on a background thread; this needs only the abstractions the
/// library already references.
/// </remarks>
public sealed class StderrLoggerFactory(string prefix, LogLevel minimumLevel, TextWriter? writer = null) : ILoggerFactory
{
    private readonly TextWriter _writer = writer ?? Console.Error;
    private readonly Lock _lock = new();

    /// <summary>The least severe level written.</summary>
    public LogLevel MinimumLevel { get; } = minimumLevel;

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

    /// <summary>Not supported: this factory is its own single provider.</summary>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("StderrLoggerFactory writes to standard error only.");

    /// <summary>Nothing to release (standard error is not ours to close).</summary>
    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        string line = exception is null
            ? $"{prefix}: {Name(level)} {category}: {message}"
            : $"{prefix}: {Name(level)} {category}: {message}: {exception}";
        lock (_lock)
        {
            _writer.WriteLine(line);
        }
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed class StderrLogger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                factory.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Netstack.Fuzz;

/// <summary>
/// A logger factory that turns every logged exception into a thrown one. The stack catches a packet handler's
/// exception (so one bad packet cannot kill a link's thread), counts it in Ip.InDiscards and logs it; under the
/// fuzzer that catch would hide the bug, so the log call rethrows it, wrapped, with its stack trace.
/// </summary>
internal sealed class FailFastLoggerFactory : ILoggerFactory, ILogger
{
    public static readonly FailFastLoggerFactory Instance = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null)
        {
            throw new FuzzInvariantException($"the stack logged an exception: {formatter(state, exception)}", exception);
        }
    }
}

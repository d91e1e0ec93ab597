using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Netstack.Tests.Infrastructure;

/// <summary>An <see cref="ILoggerFactory"/> that keeps every event at or above <see cref="MinimumLevel"/>, from any thread.</summary>
internal sealed class RecordingLoggerFactory(LogLevel minimumLevel = LogLevel.Trace) : ILoggerFactory
{
    public LogLevel MinimumLevel { get; } = minimumLevel;

    public ConcurrentQueue<LogRecord> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>The records of <paramref name="category"/> whose message contains <paramref name="text"/>.</summary>
    public List<LogRecord> Find(string category, string text) =>
        [.. Records.Where(r => r.Category == category && r.Message.Contains(text, StringComparison.Ordinal))];

    private sealed class RecordingLogger(RecordingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                factory.Records.Enqueue(new LogRecord(category, logLevel, eventId.Id, formatter(state, exception), exception));
            }
        }
    }
}

/// <summary>One event as <see cref="RecordingLoggerFactory"/> kept it.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

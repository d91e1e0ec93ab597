using Netstack.Stack;

namespace Netstack.Tests.Infrastructure;

/// <summary>The tests' fake clock: the library's <see cref="ManualClock"/> under the name the tests know it by.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset? start = null) : ManualClock(start);

using System.Net;
using Netstack.Link;
using Netstack.Stack;

namespace Netstack.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Two stacks on an in-memory link: <see cref="A"/> (10.9.0.2/24) and <see cref="B"/> (10.9.0.1/24). Disposing
/// stops the link before the stacks, as the README says.
/// </summary>
public sealed class StackPair : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.9.0.2");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.9.0.1");

    private readonly ChannelLinkPair _link = ChannelLink.CreatePair();

    public StackPair()
    {
        A.AddInterface(_link.A, $"{AddressA}/24");
        B.AddInterface(_link.B, $"{AddressB}/24");
    }

    public NetStack A { get; } = new();

    public NetStack B { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

using System.Net;
using Microsoft.AspNetCore.Connections;
using Netstack.AspNetCore.Tests.Infrastructure;

namespace Netstack.AspNetCore.Tests;

public class NetstackTransportFactoryTests
{
    [Fact]
    public async Task Binds_only_the_stacks_addresses_and_the_any_address()
    {
        await using var stacks = new StackPair();
        var factory = new NetstackTransportFactory(stacks.A);
        Assert.True(factory.CanBind(new IPEndPoint(StackPair.AddressA, 80)));
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.Any, 80)));
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.IPv6Any, 80)));
        Assert.False(factory.CanBind(new IPEndPoint(StackPair.AddressB, 80)));   // the other stack's
        Assert.False(factory.CanBind(new IPEndPoint(IPAddress.Loopback, 80)));   // the host's
        Assert.False(factory.CanBind(new DnsEndPoint("localhost", 80)));
        Assert.False(factory.CanBind(new System.Net.Sockets.UnixDomainSocketEndPoint("/tmp/netstack-test.sock")));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 80)));
    }

    [Fact]
    public async Task Port_zero_reports_the_chosen_port_and_a_taken_port_is_address_in_use()
    {
        await using var stacks = new StackPair();
        var factory = new NetstackTransportFactory(stacks.A);
        await using IConnectionListener listener = await factory.BindAsync(new IPEndPoint(StackPair.AddressA, 0));
        int port = Assert.IsType<IPEndPoint>(listener.EndPoint).Port;
        Assert.InRange(port, 1, 65535);
        await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(new IPEndPoint(StackPair.AddressA, port)));

        // Unbinding ends a pending accept with null, which ends Kestrel's accept loop.
        ValueTask<ConnectionContext?> accepting = listener.AcceptAsync();
        await listener.UnbindAsync();
        Assert.Null(await accepting.AsTask().WaitAsync(TestWeb.Patience));
    }
}

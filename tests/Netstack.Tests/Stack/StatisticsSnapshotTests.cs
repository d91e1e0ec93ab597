using System.Reflection;
using Netstack.Forwarding;
using Netstack.Link;
using Netstack.Stack;
using Netstack.Tests.Infrastructure;
using Netstack.Transport.Tcp;

namespace Netstack.Tests.Stack;

/// <summary>Every snapshot property reads its own counter: each counter is set to a distinct value and read back by name.</summary>
public class StatisticsSnapshotTests
{
    [Fact]
    public void Ipv4_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Ip, () => stack.GetStatistics().Ip);
    }

    [Fact]
    public void Ipv6_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Ip6, () => stack.GetStatistics().Ip6);
    }

    [Fact]
    public void Icmp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Icmp, () => stack.GetStatistics().Icmp);
    }

    [Fact]
    public void Icmp6_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Icmp6, () => stack.GetStatistics().Icmp6);
    }

    [Fact]
    public void Udp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Udp, () => stack.GetStatistics().Udp);
    }

    [Fact]
    public void Tcp_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(TcpProtocol.For(stack).Statistics, () => stack.GetStatistics().Tcp);
    }

    [Fact]
    public void Offload_snapshot_reads_every_counter_into_the_property_of_the_same_name()
    {
        using var stack = NewStack();
        AssertEveryCounterIsReadBack(stack.Statistics.Offload, () => stack.GetStatistics().Offload);
    }

    [Fact]
    public void Snapshot_does_not_move_with_the_counters()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider() });
        NetStackStatisticsSnapshot before = stack.GetStatistics();
        Interlocked.Increment(ref stack.Statistics.Udp.OutDatagrams);
        Interlocked.Increment(ref TcpProtocol.For(stack).Statistics.InSegs);
        Assert.Equal(0, before.Udp.OutDatagrams);
        Assert.Equal(0, before.Tcp.InSegs);
        NetStackStatisticsSnapshot after = stack.GetStatistics();
        Assert.Equal(1, after.Udp.OutDatagrams);
        Assert.Equal(1, after.Tcp.InSegs);
        Assert.NotEqual(before.Udp, after.Udp);
        Assert.Equal(before.Ip, after.Ip); // value equality: nothing moved
    }

    [Fact]
    public void Stack_without_its_own_tcp_reports_zero_tcp()
    {
        using var stack = new NetStack(new NetStackOptions { TimeProvider = new ManualTimeProvider(), EnableTcp = false });
        Assert.Equal(default, stack.GetStatistics().Tcp);
    }

    [Fact]
    public void Tun_link_snapshot_reads_every_counter()
    {
        var counters = new TunLinkStatistics();
        AssertEveryCounterIsReadBack(counters, () => new TunLinkStatisticsSnapshot(counters));
    }

    [Fact]
    public void Host_forwarder_snapshot_reads_every_counter()
    {
        var counters = new HostForwarderStatistics();
        AssertEveryCounterIsReadBack(counters, () => new HostForwarderStatisticsSnapshot(counters));
    }

    private static NetStack NewStack() => new(new NetStackOptions { TimeProvider = new ManualTimeProvider() });

    /// <summary>
    /// Sets every counter field to a distinct value, then checks that the snapshot has a property of the same name for
    /// each (and no other), reading that field's value: a counter left out of the snapshot, or read into the wrong
    /// property, fails. Reflection is the test's only: the library reads its fields by name in code.
    /// </summary>
    private static void AssertEveryCounterIsReadBack<TCounters>(TCounters counters, Func<object> snapshot)
        where TCounters : class
    {
        FieldInfo[] fields = typeof(TCounters).GetFields(BindingFlags.Public | BindingFlags.Instance);
        Assert.NotEmpty(fields);
        for (int i = 0; i < fields.Length; i++)
        {
            fields[i].SetValue(counters, 1000L + i);
        }
        object s = snapshot();
        PropertyInfo[] properties = s.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.Equal(fields.Select(f => f.Name).Order(), properties.Select(p => p.Name).Order());
        for (int i = 0; i < fields.Length; i++)
        {
            Assert.True(1000L + i == (long)s.GetType().GetProperty(fields[i].Name)!.GetValue(s)!, $"{typeof(TCounters).Name}.{fields[i].Name}");
        }
    }
}

using System.Diagnostics;
using Netstack.Buffers;
using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;

namespace Netstack.Interop.Tests;

/// <summary>TunLink against the real kernel, before any stack: raw packets in, hand-built packets out.</summary>
public class TunLinkTests
{
    // Safety nets only (a broken link must fail, not hang); nothing asserts how long anything takes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [RequiresRootAndTunFact]
    public void By_default_vnet_hdr_is_probed_and_used_where_the_kernel_offers_it()
    {
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions());
        Assert.True(ns.Link.VirtioNetHeader, ns.Link.VirtioNetHeaderRefusal);
        Assert.Null(ns.Link.VirtioNetHeaderRefusal);
        Assert.Equal(LinkCapabilities.Gso | LinkCapabilities.Gro, ns.Link.Capabilities & (LinkCapabilities.Gso | LinkCapabilities.Gro));
        Assert.Equal(TunLink.MaxSuperSegment, ns.Link.GsoMaxSize);
    }

    [RequiresRootAndTunTheory("ping")]
    [InlineData(false)]
    [InlineData(true)] // with a virtio_net_hdr in front of every packet, stripped on read and gathered on write
    public void A_kernel_ping_is_delivered_and_a_written_echo_reply_completes_it(bool virtioNetHeader)
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool, VirtioNetHeader = virtioNetHeader });
        Assert.Equal(virtioNetHeader, (ns.Link.Capabilities & LinkCapabilities.Gso) != 0);
        using var dispatcher = new CollectingDispatcher();
        ns.Link.Attach(dispatcher);

        using Process ping = ns.Start("ping", "-n", "-c1", "-W10", ns.StackV4.ToString());
        try
        {
            byte[]? request = dispatcher.WaitFor(p => TestPackets.IsIcmpV4EchoRequest(p, ns.StackV4), Patience);
            Assert.NotNull(request);

            var batch = new PacketBatch();
            batch.Add(pool.RentCopy(TestPackets.IcmpV4EchoReply(request)));
            ns.Link.WritePackets(batch);
            Assert.True(batch.IsEmpty);

            Assert.True(ping.WaitForExit(Patience), "ping did not finish");
            Assert.Equal(0, ping.ExitCode);
        }
        finally
        {
            ProcessRunner.Kill(ping);
        }
        Assert.Equal(1, ns.Link.GetStatistics().TxPackets);
        Assert.True(ns.Link.GetStatistics().RxPackets >= 1);
        Assert.Equal(0, ns.Link.GetStatistics().TxErrors);
        // At least: the write, a read per packet read, and per wake-up the poll and the read that finds the queue empty.
        Assert.True(ns.Link.GetStatistics().SystemCalls >= 1 + ns.Link.GetStatistics().RxPackets + 2);
        Assert.Contains(dispatcher.Threads.Keys, name => name.StartsWith("tun " + ns.DeviceName, StringComparison.Ordinal));
        ns.Link.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [RequiresRootAndTunFact("ping")]
    public void A_kernel_ping6_is_delivered_and_a_written_echo_reply_completes_it()
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        using var dispatcher = new CollectingDispatcher();
        ns.Link.Attach(dispatcher);

        using Process ping = ns.Start("ping", "-6", "-n", "-c1", "-W10", ns.StackV6.ToString());
        try
        {
            byte[]? request = dispatcher.WaitFor(p => TestPackets.IsIcmpV6EchoRequest(p, ns.StackV6), Patience);
            Assert.NotNull(request);

            var batch = new PacketBatch();
            batch.Add(pool.RentCopy(TestPackets.IcmpV6EchoReply(request)));
            ns.Link.WritePackets(batch);

            Assert.True(ping.WaitForExit(Patience), "ping did not finish");
            Assert.Equal(0, ping.ExitCode);
        }
        finally
        {
            ProcessRunner.Kill(ping);
        }
        ns.Link.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [RequiresRootAndTunFact]
    public void A_packet_the_kernel_rejects_is_dropped_and_counted()
    {
        var pool = new PacketPool();
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { Pool = pool });
        var batch = new PacketBatch();
        batch.Add(pool.RentCopy([0xF0, 1, 2, 3])); // IP version 15: TUN refuses it with EINVAL
        ns.Link.WritePackets(batch);
        Assert.Equal(1, ns.Link.GetStatistics().TxErrors);
        Assert.Equal(0, ns.Link.GetStatistics().TxPackets);
        Assert.Equal(0, pool.Outstanding);
    }

    [RequiresRootAndTunFact("ping")]
    public void Multi_queue_opens_one_descriptor_and_thread_per_queue()
    {
        using NetnsFixture ns = NetnsFixture.Create(new TunLinkOptions { QueueCount = 2 });
        using var dispatcher = new CollectingDispatcher();
        Assert.Equal(2, ns.Link.QueueCount);
        string queues = ns.Exec("ls", $"/sys/class/net/{ns.DeviceName}/queues").Output;
        Assert.Contains("rx-0", queues, StringComparison.Ordinal);
        Assert.Contains("rx-1", queues, StringComparison.Ordinal);
        Assert.DoesNotContain("rx-2", queues, StringComparison.Ordinal);

        ns.Link.Attach(dispatcher);
        Thread[] threads = ns.Link.Threads.ToArray();
        Assert.Equal(2, threads.Length);

        // Traffic still flows whichever queue the kernel picks.
        using Process ping = ns.Start("ping", "-n", "-c1", "-W10", ns.StackV4.ToString());
        try
        {
            Assert.NotNull(dispatcher.WaitFor(p => TestPackets.IsIcmpV4EchoRequest(p, ns.StackV4), Patience));
        }
        finally
        {
            ProcessRunner.Kill(ping);
        }

        ns.Link.Dispose();
        Assert.All(threads, t => Assert.False(t.IsAlive));
    }

    [RequiresRootAndTunFact]
    public void A_persistent_device_is_attached_without_changing_its_configuration()
    {
        string name = NetnsFixture.NewDeviceName();
        ProcessRunner.Check("ip", "tuntap", "add", "dev", name, "mode", "tun");
        try
        {
            ProcessRunner.Check("ip", "link", "set", name, "mtu", "1380");
            string before = ProcessRunner.Check("ip", "-d", "link", "show", name).Output;

            using (var link = new TunLink(name))
            {
                Assert.Equal(name, link.Name);
                Assert.Equal(1380, link.Mtu);
                using var dispatcher = new CollectingDispatcher();
                link.Attach(dispatcher);
                Assert.Equal("1380", File.ReadAllText($"/sys/class/net/{name}/mtu").Trim());
                Assert.Contains("state DOWN", ProcessRunner.Check("ip", "link", "show", name).Output, StringComparison.Ordinal);
            }

            // Still there (persistent), still configured as before.
            string after = ProcessRunner.Check("ip", "-d", "link", "show", name).Output;
            Assert.Equal(Normalise(before), Normalise(after));
        }
        finally
        {
            ProcessRunner.Run("ip", "link", "del", name);
        }

        // "ip link show" lists NO-CARRIER while no descriptor is attached; the vnet_hdr flag is the last reader's
        // (the next TUNSETIFF replaces it); compare the rest.
        static string Normalise(string s) => s.Replace("NO-CARRIER,", "", StringComparison.Ordinal)
            .Replace("vnet_hdr on", "vnet_hdr off", StringComparison.Ordinal);
    }

    [RequiresRootAndTunTheory("ethtool")]
    [InlineData(null)]
    [InlineData(true)]
    public void A_persistent_device_gets_vnet_hdr_and_its_offloads_only_while_attached(bool? virtioNetHeader)
    {
        string name = NetnsFixture.NewDeviceName();
        ProcessRunner.Check("ip", "tuntap", "add", "dev", name, "mode", "tun");
        try
        {
            Assert.Equal("off", Segmentation(name));
            using (var link = new TunLink(name, new TunLinkOptions { VirtioNetHeader = virtioNetHeader }))
            {
                Assert.True(link.VirtioNetHeader, link.VirtioNetHeaderRefusal);
                Assert.Null(link.VirtioNetHeaderRefusal);
                Assert.Equal("on", Segmentation(name));
            }

            // A later reader without vnet_hdr must not be handed super-segments: the offloads went with us.
            Assert.Equal("off", Segmentation(name));
            using var plain = new TunLink(name, new TunLinkOptions { VirtioNetHeader = false });
            Assert.False(plain.VirtioNetHeader);
            Assert.Equal("off", Segmentation(name));
        }
        finally
        {
            ProcessRunner.Run("ip", "link", "del", name);
        }

        static string Segmentation(string device)
        {
            string line = ProcessRunner.Check("ethtool", "-k", device).Output.Split('\n')
                .Single(l => l.StartsWith("tcp-segmentation-offload:", StringComparison.Ordinal));
            return line.Split(':')[1].Trim().Split(' ')[0];
        }
    }

    [RequiresRootAndTunFact]
    public void A_multi_queue_device_keeps_the_framing_its_open_queues_have()
    {
        string name = NetnsFixture.NewDeviceName();
        ProcessRunner.Check("ip", "tuntap", "add", "dev", name, "mode", "tun", "multi_queue");
        try
        {
            using var first = new TunLink(name, new TunLinkOptions { MultiQueue = true, VirtioNetHeader = false });

            // tun_set_iff keeps the device's flags while other queues are open: a probe falls back and says why, a
            // demand is refused.
            using (var probed = new TunLink(name, new TunLinkOptions { MultiQueue = true }))
            {
                Assert.False(probed.VirtioNetHeader);
                Assert.Contains("other queues are open without IFF_VNET_HDR", probed.VirtioNetHeaderRefusal, StringComparison.Ordinal);
            }
            var e = Assert.Throws<SystemCallException>(() => new TunLink(name, new TunLinkOptions { MultiQueue = true, VirtioNetHeader = true }));
            Assert.Equal(22, e.Errno);
        }
        finally
        {
            ProcessRunner.Run("ip", "link", "del", name);
        }
    }

    [RequiresRootAndTunFact]
    public void A_persistent_multi_queue_device_needs_and_accepts_multi_queue()
    {
        string name = NetnsFixture.NewDeviceName();
        ProcessRunner.Check("ip", "tuntap", "add", "dev", name, "mode", "tun", "multi_queue");
        try
        {
            var e = Assert.Throws<SystemCallException>(() => new TunLink(name));
            Assert.Equal(22, e.Errno); // EINVAL: flags differ
            Assert.Contains("multi_queue", e.Message, StringComparison.Ordinal);

            using var link = new TunLink(name, new TunLinkOptions { MultiQueue = true, QueueCount = 3 });
            Assert.Equal(3, link.QueueCount);
        }
        finally
        {
            ProcessRunner.Run("ip", "link", "del", name);
        }
    }

    [RequiresRootAndTunFact]
    public void Options_set_the_mtu_and_bring_the_link_up_only_when_asked()
    {
        string name = NetnsFixture.NewDeviceName('t');
        using (var link = new TunLink(name, new TunLinkOptions { Mtu = 9000, BringUp = true }))
        {
            Assert.Equal(9000, link.Mtu);
            Assert.Equal("9000", File.ReadAllText($"/sys/class/net/{name}/mtu").Trim());
            int flags = Convert.ToInt32(File.ReadAllText($"/sys/class/net/{name}/flags").Trim(), 16);
            Assert.Equal(1, flags & 1); // IFF_UP
        }
        // The device was created by the link, so it is gone with it.
        Assert.NotEqual(0, ProcessRunner.Run("ip", "link", "show", name).ExitCode);
    }

    [RequiresRootAndTunFact]
    public void A_device_the_link_creates_gets_a_longer_queue_towards_us()
    {
        string name = NetnsFixture.NewDeviceName('t');
        try
        {
            using (new TunLink(name, new TunLinkOptions()))
            {
                Assert.Equal("4096", File.ReadAllText($"/sys/class/net/{name}/tx_queue_len").Trim()); // tuntap's default is 500
            }
            using (new TunLink(name, new TunLinkOptions { MinTxQueueLength = 0 }))
            {
                Assert.Equal("500", File.ReadAllText($"/sys/class/net/{name}/tx_queue_len").Trim());
            }
            // An existing device keeps its own.
            ProcessRunner.Check("ip", "tuntap", "add", "dev", name, "mode", "tun");
            ProcessRunner.Check("ip", "link", "set", name, "txqueuelen", "100");
            using (new TunLink(name, new TunLinkOptions()))
            {
                Assert.Equal("100", File.ReadAllText($"/sys/class/net/{name}/tx_queue_len").Trim());
            }
        }
        finally
        {
            ProcessRunner.Run("ip", "link", "del", name);
        }
    }

    [RequiresRootAndTunFact]
    public void Dispose_wakes_and_joins_every_dispatcher_thread()
    {
        var link = new TunLink(NetnsFixture.NewDeviceName('t'), new TunLinkOptions { QueueCount = 4 });
        using var dispatcher = new CollectingDispatcher();
        link.Attach(dispatcher);
        Thread[] threads = link.Threads.ToArray();
        Assert.Equal(4, threads.Length);
        Assert.All(threads, t => Assert.True(t.IsAlive));

        link.Dispose();
        Assert.All(threads, t => Assert.False(t.IsAlive));

        // Writing after dispose drops and counts instead of touching a closed descriptor.
        var pool = new PacketPool();
        var batch = new PacketBatch();
        batch.Add(pool.RentCopy(new byte[40]));
        link.WritePackets(batch);
        Assert.Equal(1, link.GetStatistics().TxDropped);
        Assert.Equal(0, pool.Outstanding);
        link.Dispose(); // idempotent
    }

    [RequiresRootAndTunFact]
    public async Task DisposeAsync_stops_every_dispatcher_thread_without_blocking_and_closes_the_device()
    {
        string name = NetnsFixture.NewDeviceName('t');
        var link = new TunLink(name, new TunLinkOptions { QueueCount = 4 });
        using var dispatcher = new CollectingDispatcher();
        link.Attach(dispatcher);
        Thread[] threads = link.Threads.ToArray();
        Assert.Equal(4, threads.Length);

        await link.DisposeAsync();
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(30)))); // returned from their loops
        Assert.NotEqual(0, ProcessRunner.Run("ip", "link", "show", name).ExitCode); // the descriptors are closed
        link.Dispose(); // idempotent, either way round
        await link.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => link.Attach(new CollectingDispatcher()));
    }

    [RequiresRootAndTunFact]
    public void Dispose_without_attach_closes_the_device()
    {
        string name = NetnsFixture.NewDeviceName('t');
        var link = new TunLink(name);
        Assert.Equal(0, ProcessRunner.Run("ip", "link", "show", name).ExitCode);
        link.Dispose();
        Assert.NotEqual(0, ProcessRunner.Run("ip", "link", "show", name).ExitCode);
        Assert.Throws<ObjectDisposedException>(() => link.Attach(new CollectingDispatcher()));
    }

    [RequiresRootAndTunFact]
    public void A_name_in_use_fails_with_EBUSY_and_says_so()
    {
        string name = NetnsFixture.NewDeviceName('t');
        using var first = new TunLink(name);
        var e = Assert.Throws<SystemCallException>(() => new TunLink(name));
        Assert.Equal(16, e.Errno);
        Assert.Contains("EBUSY", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}' is in use", e.Message, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void An_existing_interface_that_is_not_a_tun_device_is_refused()
    {
        var e = Assert.Throws<SystemCallException>(() => new TunLink("lo"));
        Assert.Equal(22, e.Errno);
        Assert.Contains("not a TUN device", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("..")]
    [InlineData("sixteen-chars-xx")]
    public void An_invalid_name_is_refused_before_any_system_call(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new TunLink(name));
        Assert.Contains($"'{name}' is not a valid interface name", e.Message, StringComparison.Ordinal);
    }

    [RequiresRootAndTunFact]
    public void A_kernel_chosen_name_is_reported()
    {
        using var link = new TunLink($"nst{Environment.ProcessId}k%d");
        Assert.Matches($"^nst{Environment.ProcessId}k[0-9]+$", link.Name);
    }
}

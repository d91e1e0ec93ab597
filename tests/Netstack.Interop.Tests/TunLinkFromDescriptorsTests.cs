using Netstack.Interop.Tests.Infrastructure;
using Netstack.Link;

namespace Netstack.Interop.Tests;

/// <summary><see cref="TunLink.FromDescriptors"/>: a link over a TUN device opened (and configured) elsewhere, as <c>netstack run</c> receives it.</summary>
public class TunLinkFromDescriptorsTests
{
    [RequiresRootAndTunFact]
    public void A_vnet_hdr_descriptor_gets_offloads_the_given_mtu_and_is_closed_on_dispose()
    {
        int fd = TunDevice.OpenQueue("tfd%d", (short)(TunIoctl.IFF_TUN | TunIoctl.IFF_NO_PI | TunIoctl.IFF_VNET_HDR), out string name);
        TunLink link = TunLink.FromDescriptors([fd], name, 9000, virtioNetHeader: true);
        try
        {
            Assert.Equal(name, link.Name);
            Assert.Equal(9000, link.Mtu); // as given: the device's own MTU is not looked up (it may be in another namespace)
            Assert.True(link.VirtioNetHeader);
            Assert.Equal(1, link.QueueCount);
            Assert.True((link.Capabilities & LinkCapabilities.Gso) != 0);
            Assert.Equal(link.UdpSegmentationOffload, link.UdpSegmentationOffloadRefusal is null);
            Assert.True(Directory.Exists("/sys/class/net/" + name));
        }
        finally
        {
            link.Dispose();
        }
        Assert.False(Directory.Exists("/sys/class/net/" + name), "the device outlived its only descriptor");
    }

    [RequiresRootAndTunFact]
    public void Bad_arguments_close_the_descriptors_and_throw()
    {
        int fd = TunDevice.OpenQueue("tfd%d", (short)(TunIoctl.IFF_TUN | TunIoctl.IFF_NO_PI), out string name);
        Assert.Throws<ArgumentOutOfRangeException>(() => TunLink.FromDescriptors([fd], name, 40, virtioNetHeader: false));
        Assert.False(Directory.Exists("/sys/class/net/" + name), "the descriptor was not closed");
    }
}

using Netstack.Interop;
using Netstack.Link;

namespace Netstack.Cli;

/// <summary>Opens the TUN device a command names, turning every failure into one line and exit code 1.</summary>
public static class TunOpener
{
    /// <summary>Opens <paramref name="name"/>; <paramref name="virtioNetHeader"/> null probes vnet_hdr (and says so when it is refused), true requires it, false leaves it off.</summary>
    public static TunLink Open(string command, string name, int? mtu, int queues = 1, bool? virtioNetHeader = null)
    {
        try
        {
            var link = new TunLink(name, new TunLinkOptions { Mtu = mtu, QueueCount = queues, VirtioNetHeader = virtioNetHeader });
            if (link.VirtioNetHeaderRefusal is string refused)
            {
                Console.Error.WriteLine($"{command}: note: {refused}");
            }
            if (link.UdpSegmentationOffloadRefusal is string why)
            {
                Console.Error.WriteLine($"{command}: note: {why}");
            }
            return link;
        }
        catch (SystemCallException e)
        {
            throw new CommandFailedException($"{command}: cannot open TUN device '{name}': {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new CommandFailedException($"{command}: cannot open TUN device '{name}': {e.Message}", e);
        }
    }
}

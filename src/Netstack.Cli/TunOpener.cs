using Netstack.Interop;
using Netstack.Link;

namespace Netstack.Cli;

/// <summary>Opens the TUN device a command names, turning every failure into one line and exit code 1.</summary>
public static class TunOpener
{
    public static TunLink Open(string command, string name, int? mtu, int queues = 1, bool virtioNetHeader = false)
    {
        try
        {
            var link = new TunLink(name, new TunLinkOptions { Mtu = mtu, QueueCount = queues, VirtioNetHeader = virtioNetHeader });
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

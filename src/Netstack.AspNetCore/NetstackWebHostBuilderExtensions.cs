using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Netstack.Stack;

namespace Netstack.AspNetCore;

/// <summary>Serving ASP.NET Core over a userspace <see cref="NetStack"/>.</summary>
public static class NetstackWebHostBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="NetstackTransportFactory"/> as a Kestrel transport: Kestrel endpoints on the stack's addresses
    /// (or the any-address) are served over the stack — HTTP/1.1, HTTP/2 (h2c or over TLS) and WebSockets as on
    /// sockets — while other endpoints keep Kestrel's socket transport. Kestrel tries the transports registered last
    /// first, so call this after <c>UseKestrel</c> (a <c>WebApplication</c> builder has done that already).
    /// </summary>
    /// <example>
    /// <code>
    /// builder.WebHost.UseNetstack(stack).ConfigureKestrel(k => k.Listen(IPAddress.Parse("10.9.0.2"), 8080));
    /// </code>
    /// </example>
    public static IWebHostBuilder UseNetstack(this IWebHostBuilder builder, NetStack stack, Action<NetstackTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        var options = new NetstackTransportOptions();
        configure?.Invoke(options);
        return builder.ConfigureServices(services => services.AddSingleton<IConnectionListenerFactory>(provider =>
            new NetstackTransportFactory(stack, options, provider.GetService<IMemoryPoolFactory<byte>>())));
    }
}

using System.Net;
using System.Net.Http;

namespace Netstack.Sockets;

/// <summary>
/// Keeps an <see cref="HttpClient"/> on HTTP/1.1 and HTTP/2, whose connections go through
/// <see cref="SocketsHttpHandler.ConnectCallback"/> and so through the stack. HTTP/3 would not: SocketsHttpHandler
/// opens QUIC connections itself, on host UDP sockets, resolving the name with the host's resolver, and never calls
/// the callback (dotnet/runtime#48617). It does so when a request asks for version 3.0 (unless the policy is
/// RequestVersionOrLower, which still lets Alt-Svc upgrade) or allows it (RequestVersionOrHigher) and the server
/// advertises h3 with Alt-Svc.
/// </summary>
/// <remarks>
/// Each request is rewritten to an equivalent one without HTTP/3: a version of 3.0 or more becomes 2.0; the policy
/// RequestVersionOrHigher becomes RequestVersionOrLower below 2.0 (over TLS ALPN still offers h2 and HTTP/1.1; in
/// clear text .NET speaks HTTP/1.1 either way) and RequestVersionExact at 2.0 (h2, or h2c with prior knowledge, as
/// before). A request that insists on HTTP/3 or above (RequestVersionExact or RequestVersionOrHigher at 3.0) fails
/// with <see cref="HttpRequestException"/> instead of leaving the stack.
/// </remarks>
internal sealed class HttpVersionCap(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Cap(request);
        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Cap(request);
        return base.Send(request, cancellationToken);
    }

    /// <summary>Rewrites <paramref name="request"/>'s version and policy so that HTTP/3 is never chosen (see the type's remarks).</summary>
    internal static void Cap(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Version.Major >= 3)
        {
            if (request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower)
            {
                throw new HttpRequestException(
                    $"HTTP/{request.Version} was required, but HTTP/3 runs over QUIC on host sockets and would bypass the stack; this handler speaks HTTP/2 at most.");
            }
            request.Version = HttpVersion.Version20;
        }
        else if (request.VersionPolicy == HttpVersionPolicy.RequestVersionOrHigher)
        {
            if (request.Version.Major >= 2)
            {
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }
            else
            {
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            }
        }
    }
}

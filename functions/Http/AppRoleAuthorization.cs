using System.Text;
using System.Text.Json;
using HealthAnalytics.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Functions;

/// <summary>Section <c>ApiAuthentication</c>: infra sets <c>ApiAuthentication__RequireAppRoles=true</c> when App
/// Service authentication (Entra ID) is in front of the app (docs/deploy.md "API identity").</summary>
public sealed class ApiAuthenticationOptions
{
    public const string SectionName = "ApiAuthentication";

    /// <summary>Check the caller's app roles on every HTTP function. Off locally (<c>func start</c> has no App Service
    /// authentication and keeps function keys only).</summary>
    public bool RequireAppRoles { get; set; }
}

public enum AccessDecision
{
    Allowed,
    Unauthenticated,
    Forbidden,
}

/// <summary>Which app role each HTTP function needs: the route table's (<see cref="ApiRoute.RequiredRole"/>), looked up by
/// function name; a function the table does not know needs <see cref="ApiRoles.Admin"/> (fail closed).</summary>
public static class AppRoles
{
    public static string? RoleFor(string function) =>
        ApiRoutes.All.FirstOrDefault(r => r.OperationId == function) is { } route ? route.RequiredRole : ApiRoles.Admin;

    /// <summary>
    /// The decision for a call of <paramref name="function"/> with App Service's <c>X-MS-CLIENT-PRINCIPAL</c> header
    /// (Base64 JSON of the validated token's claims; the platform strips any value a client sends). No header: the
    /// request did not come through App Service authentication.
    /// </summary>
    public static AccessDecision Decide(string function, string? principalHeader)
    {
        if (RoleFor(function) is not { } role)
        {
            return AccessDecision.Allowed;
        }

        if (string.IsNullOrEmpty(principalHeader))
        {
            return AccessDecision.Unauthenticated;
        }

        return RolesOf(principalHeader).Contains(role) ? AccessDecision.Allowed : AccessDecision.Forbidden;
    }

    /// <summary>The role claims of the header (claim type <c>role_typ</c>, or <c>roles</c> as in Entra tokens);
    /// empty for a header that is not one.</summary>
    public static IReadOnlySet<string> RolesOf(string principalHeader)
    {
        ArgumentNullException.ThrowIfNull(principalHeader);
        var roles = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(principalHeader)));
            var root = document.RootElement;
            var roleType = root.TryGetProperty("role_typ", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (!root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return roles;
            }

            foreach (var claim in claims.EnumerateArray())
            {
                if (claim.ValueKind == JsonValueKind.Object
                    && claim.TryGetProperty("typ", out var typ) && typ.ValueKind == JsonValueKind.String
                    && (typ.GetString() == roleType || typ.GetString() == "roles")
                    && claim.TryGetProperty("val", out var val) && val.ValueKind == JsonValueKind.String)
                {
                    roles.Add(val.GetString()!);
                }
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            roles.Clear();
        }

        return roles;
    }
}

/// <summary>Checks the app role of every HTTP call when <see cref="ApiAuthenticationOptions.RequireAppRoles"/> is on;
/// answers 401/403 as RFC 7807 problems, logging the function and the decision only.</summary>
public sealed partial class AppRoleMiddleware(IOptions<ApiAuthenticationOptions> options, ILogger<AppRoleMiddleware> log) : IFunctionsWorkerMiddleware
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (options.Value.RequireAppRoles && context.GetHttpContext() is { } http)
        {
            var function = context.FunctionDefinition.Name;
            var decision = AppRoles.Decide(function, http.Request.Headers[PrincipalHeader].FirstOrDefault());
            if (decision != AccessDecision.Allowed)
            {
                LogRefused(log, function, decision);
                await Results.Problem(statusCode: decision == AccessDecision.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden)
                    .ExecuteAsync(http);
                return;
            }
        }

        await next(context);
    }

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Function {Function} refused: {Decision}")]
    private static partial void LogRefused(ILogger logger, string function, AccessDecision decision);
}

public static class AppRoleAuthorizationExtensions
{
    /// <summary>Binds <see cref="ApiAuthenticationOptions"/> and adds <see cref="AppRoleMiddleware"/>.</summary>
    public static FunctionsApplicationBuilder UseAppRoleAuthorization(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ApiAuthenticationOptions>().BindConfiguration(ApiAuthenticationOptions.SectionName);
        builder.UseMiddleware<AppRoleMiddleware>();
        return builder;
    }
}

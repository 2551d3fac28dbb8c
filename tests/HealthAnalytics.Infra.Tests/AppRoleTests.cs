using System.Reflection;
using System.Text;
using System.Text.Json;
using HealthAnalytics.Api;
using HealthAnalytics.Functions;
using Microsoft.Azure.Functions.Worker;

namespace HealthAnalytics.Infra.Tests;

/// <summary>Which app role each HTTP function needs, and the decision taken on App Service's client-principal header.</summary>
public sealed class AppRoleTests
{
    private const string LongRoleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

    /// <summary>(function name, auth level, methods, route) of every HTTP function of the Functions assembly.</summary>
    private static List<(string Name, AuthorizationLevel Level, string[] Methods, string Route)> HttpFunctions() =>
        [.. typeof(IngestUpload).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().FirstOrDefault()))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => (x.Function!.Name, x.Trigger!.AuthLevel, x.Trigger.Methods ?? [], x.Trigger.Route ?? ""))];

    /// <summary>A header as App Service authentication sends it: Base64 of the validated token's claims.</summary>
    private static string Header(string roleType, params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        auth_typ = "aad",
        claims = roles.Select(r => new { typ = roleType, val = r }).Append(new { typ = "aud", val = "api://00000000-0000-0000-0000-000000000001" }),
        name_typ = "name",
        role_typ = roleType,
    })));

    [Fact]
    public void EveryHttpFunction_HasItsRole_OpenOnlyWhenAnonymous_AdminWhenAdminLevel_PredictForPredict_ReadOtherwise()
    {
        var functions = HttpFunctions();
        Assert.True(functions.Count >= 9, $"found {functions.Count} HTTP functions");

        foreach (var (name, level, methods, route) in functions)
        {
            var expected = level switch
            {
                AuthorizationLevel.Anonymous => null,
                AuthorizationLevel.Admin => ApiRoles.Admin,
                _ when route.EndsWith("/predict", StringComparison.Ordinal) => ApiRoles.Predict,
                _ when methods.All(m => m.Equals("get", StringComparison.OrdinalIgnoreCase)) => ApiRoles.Read,
                _ => "unclassified",
            };
            // The config PUTs are admin-level; any other non-GET function must say which role it needs.
            Assert.NotEqual("unclassified", expected);
            Assert.Equal(expected, AppRoles.RoleFor(name));
            // Found in the route table, not reached through the fail-closed default.
            Assert.Contains(ApiRoutes.All, r => r.OperationId == name);
        }

        // The roles are the ones the API's app registration defines.
        var registered = JsonDocument.Parse(File.ReadAllText(Path.Combine(CompiledTemplate.RepoRoot, "infra", "api-app-roles.json")))
            .RootElement.EnumerateArray().Select(r => r.GetProperty("value").GetString()!).ToHashSet();
        Assert.Equal(registered, ApiRoutes.All.Select(r => r.RequiredRole).OfType<string>().ToHashSet());
    }

    [Theory]
    [InlineData("roles")]
    [InlineData(LongRoleType)]
    public void ACallerWithTheRole_IsAllowed_AnotherRoleIsForbidden(string roleType)
    {
        var reader = Header(roleType, ApiRoles.Read);
        var admin = Header(roleType, ApiRoles.Admin);

        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("ListUploads", reader));
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("Predict", reader));
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("RetrainModel", reader));
        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("PromoteModelVersion", admin));
        // Roles are not a hierarchy: an administrator who also reads holds both.
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("GetModel", admin));
        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("GetModel", Header(roleType, ApiRoles.Admin, ApiRoles.Read)));
    }

    [Fact]
    public void NoHeader_IsUnauthenticated_AGarbledOneForbidden_AndOpenFunctionsNeedNeither()
    {
        Assert.Equal(AccessDecision.Unauthenticated, AppRoles.Decide("ListModels", null));
        Assert.Equal(AccessDecision.Unauthenticated, AppRoles.Decide("ListModels", ""));
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("ListModels", "not base64 at all"));
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("ListModels", Convert.ToBase64String("{\"claims\":42}"u8.ToArray())));
        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("Health", null));
        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("OpenApi", null));
    }

    [Fact]
    public void AnUnlistedFunction_NeedsAdmin()
    {
        Assert.Equal(AccessDecision.Forbidden, AppRoles.Decide("SomeNewFunction", Header("roles", ApiRoles.Read, ApiRoles.Predict)));
        Assert.Equal(AccessDecision.Allowed, AppRoles.Decide("SomeNewFunction", Header("roles", ApiRoles.Admin)));
    }

    [Fact]
    public void TheTemplate_TurnsTheCheckOnExactlyWhenEntraIdIsInFront()
    {
        Assert.Equal("[if(empty(parameters('apiClientId')), 'false', 'true')]", AppSettings.FromTemplate()["ApiAuthentication__RequireAppRoles"]);
        var auth = CompiledTemplate.OfType("Microsoft.Web/sites/config").Single(c => c.Name!.Contains("authsettingsV2", StringComparison.Ordinal));
        Assert.Equal("[not(empty(parameters('apiClientId')))]", (string?)auth.Node["condition"]);
    }
}

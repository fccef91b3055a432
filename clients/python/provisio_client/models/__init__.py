"""Contains all the data models used in inputs/outputs"""

from .action import Action
from .api_key_credentials import ApiKeyCredentials
from .api_key_credentials_type import ApiKeyCredentialsType
from .app_profile import AppProfile
from .app_profile_out import AppProfileOut
from .basic_credentials import BasicCredentials
from .basic_credentials_type import BasicCredentialsType
from .bearer_credentials import BearerCredentials
from .bearer_credentials_type import BearerCredentialsType
from .capabilities import Capabilities
from .change import Change
from .check_out import CheckOut
from .connection_in import ConnectionIn
from .connection_in_settings import ConnectionInSettings
from .connection_list import ConnectionList
from .connection_out import ConnectionOut
from .connection_out_settings import ConnectionOutSettings
from .connection_patch import ConnectionPatch
from .connection_patch_settings_type_0 import ConnectionPatchSettingsType0
from .credential_kind import CredentialKind
from .credential_summary import CredentialSummary
from .deprovision import Deprovision
from .deprovision_limit import DeprovisionLimit
from .field_error import FieldError
from .group import Group
from .group_change import GroupChange
from .group_list import GroupList
from .group_options import GroupOptions
from .group_patch import GroupPatch
from .health import Health
from .instance_url_rule import InstanceUrlRule
from .item_status import ItemStatus
from .limit_input import LimitInput
from .match_key import MatchKey
from .member import Member
from .member_list import MemberList
from .member_ref import MemberRef
from .membership_change import MembershipChange
from .membership_result import MembershipResult
from .multi_valued import MultiValued
from .name_patch import NamePatch
from .new_group import NewGroup
from .on_deprovision import OnDeprovision
from .operation_list import OperationList
from .operation_out import OperationOut
from .orphan import Orphan
from .outcome import Outcome
from .person import Person
from .person_attributes import PersonAttributes
from .person_extensions import PersonExtensions
from .person_extensions_additional_property import PersonExtensionsAdditionalProperty
from .person_name import PersonName
from .plan_item_out import PlanItemOut
from .plan_out import PlanOut
from .problem import Problem
from .progress import Progress
from .provider_kind import ProviderKind
from .provider_list import ProviderList
from .provider_out import ProviderOut
from .provider_problem import ProviderProblem
from .role import Role
from .role_when_type_0 import RoleWhenType0
from .rules import Rules
from .rules_eligibility_type_0 import RulesEligibilityType0
from .rules_input import RulesInput
from .rules_input_eligibility_type_0 import RulesInputEligibilityType0
from .rules_input_mapping_type_0 import RulesInputMappingType0
from .rules_input_mapping_type_0_additional_property import RulesInputMappingType0AdditionalProperty
from .rules_mapping import RulesMapping
from .rules_mapping_additional_property import RulesMappingAdditionalProperty
from .run_item_out import RunItemOut
from .run_status import RunStatus
from .setting_spec import SettingSpec
from .sync_body import SyncBody
from .sync_mode import SyncMode
from .sync_run_item_list import SyncRunItemList
from .sync_run_list import SyncRunList
from .sync_run_out import SyncRunOut
from .test_options import TestOptions
from .test_report import TestReport
from .totals import Totals
from .unmanaged_member import UnmanagedMember
from .update_strategy import UpdateStrategy
from .user import User
from .user_extensions import UserExtensions
from .user_extensions_additional_property import UserExtensionsAdditionalProperty
from .user_fields import UserFields
from .user_fields_extensions import UserFieldsExtensions
from .user_fields_extensions_additional_property import UserFieldsExtensionsAdditionalProperty
from .user_list import UserList
from .user_patch import UserPatch
from .user_patch_extensions_type_0 import UserPatchExtensionsType0
from .user_patch_extensions_type_0_additional_property import UserPatchExtensionsType0AdditionalProperty

__all__ = (
    "Action",
    "ApiKeyCredentials",
    "ApiKeyCredentialsType",
    "AppProfile",
    "AppProfileOut",
    "BasicCredentials",
    "BasicCredentialsType",
    "BearerCredentials",
    "BearerCredentialsType",
    "Capabilities",
    "Change",
    "CheckOut",
    "ConnectionIn",
    "ConnectionInSettings",
    "ConnectionList",
    "ConnectionOut",
    "ConnectionOutSettings",
    "ConnectionPatch",
    "ConnectionPatchSettingsType0",
    "CredentialKind",
    "CredentialSummary",
    "Deprovision",
    "DeprovisionLimit",
    "FieldError",
    "Group",
    "GroupChange",
    "GroupList",
    "GroupOptions",
    "GroupPatch",
    "Health",
    "InstanceUrlRule",
    "ItemStatus",
    "LimitInput",
    "MatchKey",
    "Member",
    "MemberList",
    "MemberRef",
    "MembershipChange",
    "MembershipResult",
    "MultiValued",
    "NamePatch",
    "NewGroup",
    "OnDeprovision",
    "OperationList",
    "OperationOut",
    "Orphan",
    "Outcome",
    "Person",
    "PersonAttributes",
    "PersonExtensions",
    "PersonExtensionsAdditionalProperty",
    "PersonName",
    "PlanItemOut",
    "PlanOut",
    "Problem",
    "Progress",
    "ProviderKind",
    "ProviderList",
    "ProviderOut",
    "ProviderProblem",
    "Role",
    "RoleWhenType0",
    "Rules",
    "RulesEligibilityType0",
    "RulesInput",
    "RulesInputEligibilityType0",
    "RulesInputMappingType0",
    "RulesInputMappingType0AdditionalProperty",
    "RulesMapping",
    "RulesMappingAdditionalProperty",
    "RunItemOut",
    "RunStatus",
    "SettingSpec",
    "SyncBody",
    "SyncMode",
    "SyncRunItemList",
    "SyncRunList",
    "SyncRunOut",
    "TestOptions",
    "TestReport",
    "Totals",
    "UnmanagedMember",
    "UpdateStrategy",
    "User",
    "UserExtensions",
    "UserExtensionsAdditionalProperty",
    "UserFields",
    "UserFieldsExtensions",
    "UserFieldsExtensionsAdditionalProperty",
    "UserList",
    "UserPatch",
    "UserPatchExtensionsType0",
    "UserPatchExtensionsType0AdditionalProperty",
)
